# The guide's "Failback to Primary Region", its five lines as the commands people type
# (docs/rehearsal.md, "Failback by hand"), once eu-west-2 is back and DR serves.
out() { aws cloudformation describe-stacks --stack-name "$1" --region "$2" \
  --query "Stacks[0].Outputs[?OutputKey==\`$3\`].OutputValue" --output text; }
db_status() { aws rds describe-db-instances --db-instance-identifier "$1" --region "$2" \
  --query 'DBInstances[0].DBInstanceStatus' --output text 2>/dev/null || echo gone; }
until_true() { for _ in $(seq 300); do eval "$1" && return 0; sleep 1; done; return 1; }
PRIMARY=streamflix-dr-primary-${ENVIRONMENT_SUFFIX}
SECONDARY=streamflix-dr-secondary-${ENVIRONMENT_SUFFIX}
export PRIMARY_ALB=$(out ${PRIMARY} eu-west-2 ALBDNSName) DR_ALB=$(out ${SECONDARY} us-east-1 ALBDNSName)
export ZONE_ID=$(out ${PRIMARY} eu-west-2 HostedZoneId)
export HEALTH_CHECK_ID=$(out ${PRIMARY} eu-west-2 PrimaryHealthCheckId)
export PRIMARY_EFS_ID=$(out ${PRIMARY} eu-west-2 EFSFileSystemId)
export DR_EFS_ID=$(out ${SECONDARY} us-east-1 EFSFileSystemId)
export PRIMARY_KMS_KEY=$(out ${PRIMARY} eu-west-2 KMSKeyId)
export APP_NAME=app.${ENVIRONMENT_SUFFIX}.streamflix-dr.example.com
DB=streamflix-db-${ENVIRONMENT_SUFFIX} REPLICA=streamflix-db-replica-${ENVIRONMENT_SUFFIX}

# 1. Ensure Primary Region is Healthy: its API answers again (its old database is stale)
aws rds describe-db-instances --db-instance-identifier ${DB} --region eu-west-2 \
  --query 'DBInstances[0].DBInstanceStatus' --output text

# 2. Create New RDS Read Replica: the stale primary is replaced (final snapshot kept) by a
#    replica of the promoted DR database, under the same name; the DR database is encrypted,
#    so a cross-region replica needs a key of its own region (API_CreateDBInstanceReadReplica,
#    KmsKeyId: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html)
aws rds delete-db-instance --db-instance-identifier ${DB} --region eu-west-2 \
  --final-db-snapshot-identifier ${DB}-pre-failback
until_true '[ "$(db_status ${DB} eu-west-2)" = gone ]'
export DR_DB_ARN=$(aws rds describe-db-instances --db-instance-identifier ${REPLICA} \
  --region us-east-1 --query 'DBInstances[0].DBInstanceArn' --output text)
aws rds create-db-instance-read-replica --db-instance-identifier ${DB} \
  --source-db-instance-identifier ${DR_DB_ARN} --source-region us-east-1 --region eu-west-2 \
  --kms-key-id ${PRIMARY_KMS_KEY}
until_true '[ "$(db_status ${DB} eu-west-2)" = available ]'

# 3. Synchronize EFS Data: replicate DR's file system back to the primary's
aws efs delete-replication-configuration --source-file-system-id ${PRIMARY_EFS_ID} \
  --region eu-west-2
aws efs create-replication-configuration --source-file-system-id ${DR_EFS_ID} \
  --destinations Region=eu-west-2,FileSystemId=${PRIMARY_EFS_ID} --region us-east-1

# 4. Scale Down DR ECS Service: writes stop (the failback's downtime starts here); then the
#    primary-region replica catches up (ReplicaLag 0 since the freeze) and is promoted
export FROZEN_AT=$(date -u -d '+1 second' +%Y-%m-%dT%H:%M:%SZ)
aws ecs update-service --cluster streamflix-cluster-dr-${ENVIRONMENT_SUFFIX} \
  --service streamflix-service-dr-${ENVIRONMENT_SUFFIX} --desired-count 0 --region us-east-1
lag() { aws cloudwatch get-metric-statistics --namespace AWS/RDS --metric-name ReplicaLag \
  --dimensions Name=DBInstanceIdentifier,Value=${DB} --statistics Minimum --period 60 \
  --start-time ${FROZEN_AT} --end-time $(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ) \
  --region eu-west-2 --query 'Datapoints[?Minimum==`0`] | length(@)' --output text; }
until_true '[ "$(lag)" != 0 ]'
aws rds promote-read-replica --db-instance-identifier ${DB} --region eu-west-2
until_true '[ "$(aws rds describe-db-instances --db-instance-identifier ${DB} --region eu-west-2 \
  --query "DBInstances[0].[DBInstanceStatus,ReadReplicaSourceDBInstanceIdentifier]" \
  --output text)" = "available	None" ]'
until_true '[ "$(curl -s -o /dev/null -w "%{http_code}" http://${PRIMARY_ALB}/health)" = 200 ]'

# 5. Update DNS Back to Primary Region
aws route53 change-resource-record-sets --hosted-zone-id ${ZONE_ID} --change-batch '{
  "Changes": [{"Action": "UPSERT", "ResourceRecordSet": {"Name": "'${APP_NAME}'",
    "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": "'${PRIMARY_ALB}'"}]}}]}'
aws route53 update-health-check --health-check-id ${HEALTH_CHECK_ID} \
  --fully-qualified-domain-name ${PRIMARY_ALB}
