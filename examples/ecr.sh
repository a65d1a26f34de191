#!/usr/bin/env bash
# A private ECR image in AWS CloudShell, done with csdocker: create a repository, build, push, run.
#
# Before: every session started with
#
#   aws ecr get-login-password | docker login --username AWS --password-stdin ACCOUNT.dkr.ecr.REGION.amazonaws.com
#
# which leaves a 12-hour registry token in ~/.docker/config.json (in clear text without a credential helper).
#
# After: no login. csdocker asks ECR for a token with the same credentials it gives containers, hands it
# to the engine for the one pull or push that needs it, and writes it nowhere.
#
#   REPOSITORY    the repository to create and use (default csdocker-demo)
#   AWS_REGION    the registry's region (CloudShell sets it)
#   BASE_IMAGE    the image to build on (default public.ecr.aws/docker/library/busybox:latest)
#   AWS_CLI       how to call the aws CLI (default aws; the tests run it in a container)
#   AWS_CLI_ARGS  optional: extra arguments for every aws call (the tests point --endpoint-url at moto)
set -euo pipefail

REPOSITORY=${REPOSITORY:-csdocker-demo}
REGION=${AWS_REGION:?set AWS_REGION to the registry region}
BASE_IMAGE=${BASE_IMAGE:-public.ecr.aws/docker/library/busybox:latest}
read -r -a aws <<<"${AWS_CLI:-aws}"
read -r -a extra <<<"${AWS_CLI_ARGS:-}"

account=$("${aws[@]}" sts get-caller-identity --query Account --output text "${extra[@]}")
image="$account.dkr.ecr.$REGION.amazonaws.com/$REPOSITORY:1"

echo "# the repository (created once):"
"${aws[@]}" ecr describe-repositories --repository-names "$REPOSITORY" --region "$REGION" \
    --query 'repositories[0].repositoryUri' --output text "${extra[@]}" 2>/dev/null \
  || "${aws[@]}" ecr create-repository --repository-name "$REPOSITORY" --region "$REGION" \
       --query 'repository.repositoryUri' --output text "${extra[@]}"

echo "# build:"
printf 'FROM %s\nCMD ["echo", "hello from a private ECR image"]\n' "$BASE_IMAGE" | docker build -q -t "$image" -

echo "# push, with no docker login:"
csdocker push "$image"

echo "# run it from the registry (the local copy removed first, so that the run pulls):"
docker rmi -f "$image" >/dev/null
csdocker run --rm "$image"
