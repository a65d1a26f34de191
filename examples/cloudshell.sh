#!/usr/bin/env bash
# The CloudShell scenario, done with csdocker.
#
# Before: in AWS CloudShell a container started with `docker run` cannot see your
# credentials, so you sourced a script like this into your own shell...
#
#   export TEMPORARY_CREDS=$(curl -s -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" \
#                                 "$AWS_CONTAINER_CREDENTIALS_FULL_URI")
#   export TEMPORARY_AWS_ACCESS_KEY_ID=$(echo "$TEMPORARY_CREDS" | jq -r .AccessKeyId)
#   ...
#   docker run --rm -e AWS_ACCESS_KEY_ID="$TEMPORARY_AWS_ACCESS_KEY_ID" \
#                   -e AWS_SECRET_ACCESS_KEY="$TEMPORARY_AWS_SECRET_ACCESS_KEY" ... amazon/aws-cli s3 ls
#
# ...which left the secrets in your shell and put them on a command line that `ps` shows.
#
# After: nothing to source, nothing exported, nothing on any command line.
#
#   IMAGE        the aws CLI image (default amazon/aws-cli)
#   ROLE_ARN     optional: a role to assume for the second container
#   RUN_ARGS     optional: extra docker run flags (the tests add --network host to reach moto)
#   AWS_CLI_ARGS optional: extra arguments for every aws call (the tests point --endpoint-url at moto)
set -euo pipefail

IMAGE=${IMAGE:-amazon/aws-cli}
read -r -a run_args <<<"${RUN_ARGS:-}"
read -r -a extra <<<"${AWS_CLI_ARGS:-}"

echo "# who the container is, with CloudShell's own credentials:"
csdocker run --rm "${run_args[@]}" "$IMAGE" sts get-caller-identity "${extra[@]}"

echo "# the buckets it can see:"
csdocker run --rm "${run_args[@]}" "$IMAGE" s3 ls "${extra[@]}"

if [ -n "${ROLE_ARN:-}" ]; then
  echo "# the same container, as another role (STS AssumeRole, an hour at most):"
  csdocker run --rm "${run_args[@]}" --role-arn "$ROLE_ARN" --duration 900 "$IMAGE" sts get-caller-identity "${extra[@]}"
fi

echo "# other tools can still have the variables, without touching this shell:"
csdocker env --format sh | cut -d= -f1
