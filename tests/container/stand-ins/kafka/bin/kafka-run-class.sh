#!/bin/bash
# Runs a Kafka class on the image's jars, as the distribution's kafka-run-class.sh does:
# KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_LOG4J_OPTS and KAFKA_OPTS are honoured.
set -e
class="$1"
shift
heap="${KAFKA_HEAP_OPTS:--Xmx256M}"
perf="${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
log4j="${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=/opt/kafka/config/tools-log4j2.properties}"
# shellcheck disable=SC2086 # the options are word lists
exec java $heap $perf $log4j ${KAFKA_OPTS:-} -cp '/opt/kafka/libs/*' "$class" "$@"
