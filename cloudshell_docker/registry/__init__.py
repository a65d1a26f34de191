"""Registry credentials csdocker supplies itself: ECR private registries, from the run's own AWS identity.

``ecrhost`` reads a registry host name (pure); ``ecr`` asks ECR for a token (boto3, lazily);
``auth`` decides, per pull or push, whose credentials the engine gets.
"""

__all__: list[str] = []
