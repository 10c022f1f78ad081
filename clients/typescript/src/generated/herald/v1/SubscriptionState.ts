// Original file: ../../proto/herald/v1/control.proto

export const SubscriptionState = {
  SUBSCRIPTION_STATE_UNSPECIFIED: 'SUBSCRIPTION_STATE_UNSPECIFIED',
  SUBSCRIPTION_STATE_ACTIVE: 'SUBSCRIPTION_STATE_ACTIVE',
  SUBSCRIPTION_STATE_PAUSED: 'SUBSCRIPTION_STATE_PAUSED',
  SUBSCRIPTION_STATE_DISABLED: 'SUBSCRIPTION_STATE_DISABLED',
} as const;

export type SubscriptionState =
  | 'SUBSCRIPTION_STATE_UNSPECIFIED'
  | 0
  | 'SUBSCRIPTION_STATE_ACTIVE'
  | 1
  | 'SUBSCRIPTION_STATE_PAUSED'
  | 2
  | 'SUBSCRIPTION_STATE_DISABLED'
  | 3

export type SubscriptionState__Output = typeof SubscriptionState[keyof typeof SubscriptionState]
