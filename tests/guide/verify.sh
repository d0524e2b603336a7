# The deployment guide's "Failover to DR Region", step 4, copied as written.

# Get DR ALB DNS
DR_ALB=$(aws cloudformation describe-stacks \
  --stack-name streamflix-dr-secondary-${ENVIRONMENT_SUFFIX} \
  --region us-east-1 \
  --query 'Stacks[0].Outputs[?OutputKey==`ALBDNSName`].OutputValue' \
  --output text)

# Test connectivity
curl http://${DR_ALB}/health
