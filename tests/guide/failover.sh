# The deployment guide's "Failover to DR Region", steps 1-3. Steps 1 and 2 are copied as
# written; step 3 only names the change ("Point application DNS to DR ALB DNS name, Update
# health checks to DR region endpoints"), so its commands are docs/rehearsal.md's.

# 1. Promote RDS Read Replica
aws rds promote-read-replica \
  --db-instance-identifier streamflix-db-replica-${ENVIRONMENT_SUFFIX} \
  --region us-east-1

# 2. Scale Up DR ECS Service
aws ecs update-service \
  --cluster streamflix-cluster-dr-${ENVIRONMENT_SUFFIX} \
  --service streamflix-service-dr-${ENVIRONMENT_SUFFIX} \
  --desired-count 2 \
  --region us-east-1

# 3. Update DNS/Route53
aws route53 change-resource-record-sets --hosted-zone-id ${ZONE_ID} --change-batch '{
  "Changes": [{"Action": "UPSERT", "ResourceRecordSet": {"Name": "'${APP_NAME}'",
    "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": "'${DR_ALB}'"}]}}]}'
aws route53 update-health-check --health-check-id ${HEALTH_CHECK_ID} \
  --fully-qualified-domain-name ${DR_ALB}
