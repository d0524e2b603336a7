# What the failover needs, noted while eu-west-2 still answers (docs/rehearsal.md, "Before
# the outage"): CloudFormation in eu-west-2 is gone once the region is lost, and the
# application's DNS name lives in a zone the primary stack made.
export DR_ALB=$(aws cloudformation describe-stacks \
  --stack-name streamflix-dr-secondary-${ENVIRONMENT_SUFFIX} --region us-east-1 \
  --query 'Stacks[0].Outputs[?OutputKey==`ALBDNSName`].OutputValue' --output text)
export ZONE_ID=$(aws cloudformation describe-stacks \
  --stack-name streamflix-dr-primary-${ENVIRONMENT_SUFFIX} --region eu-west-2 \
  --query 'Stacks[0].Outputs[?OutputKey==`HostedZoneId`].OutputValue' --output text)
export APP_NAME=app.${ENVIRONMENT_SUFFIX}.streamflix-dr.example.com
export HEALTH_CHECK_ID=$(aws cloudformation describe-stacks \
  --stack-name streamflix-dr-primary-${ENVIRONMENT_SUFFIX} --region eu-west-2 \
  --query 'Stacks[0].Outputs[?OutputKey==`PrimaryHealthCheckId`].OutputValue' --output text)
curl http://${APP_NAME}/health
