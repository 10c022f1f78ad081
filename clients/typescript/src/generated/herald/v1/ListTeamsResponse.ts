// Original file: ../../proto/herald/v1/control.proto

import type { Team as _herald_v1_Team, Team__Output as _herald_v1_Team__Output } from '../../herald/v1/Team';

export interface ListTeamsResponse {
  'teams'?: (_herald_v1_Team)[];
}

export interface ListTeamsResponse__Output {
  'teams': (_herald_v1_Team__Output)[];
}
