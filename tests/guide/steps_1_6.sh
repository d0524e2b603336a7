# The deployment guide's steps 1-6 ("Deployment Steps"), copied as written. Step 1's
# three exports are left to env.sh (ENVIRONMENT_SUFFIX=dev, DB_USERNAME=admin and a
# generated DB_PASSWORD): the guide's sample password must not be what a rehearsal
# deploys with.

### Step 1: Deploy Primary Region (eu-west-2)
# Deploy primary region stack
aws cloudformation create-stack \
  --stack-name streamflix-dr-primary-${ENVIRONMENT_SUFFIX} \
  --template-body file://lib/streamflix-dr-primary.yaml \
  --parameters \
    ParameterKey=environmentSuffix,ParameterValue=${ENVIRONMENT_SUFFIX} \
    ParameterKey=DBUsername,ParameterValue=${DB_USERNAME} \
    ParameterKey=DBPassword,ParameterValue=${DB_PASSWORD} \
  --capabilities CAPABILITY_NAMED_IAM \
  --region eu-west-2 \
  --tags \
    Key=Environment,Value=${ENVIRONMENT_SUFFIX} \
    Key=Application,Value=StreamFlix \
    Key=CostCenter,Value=Media

# Wait for stack to complete
aws cloudformation wait stack-create-complete \
  --stack-name streamflix-dr-primary-${ENVIRONMENT_SUFFIX} \
  --region eu-west-2

# Get stack outputs
aws cloudformation describe-stacks \
  --stack-name streamflix-dr-primary-${ENVIRONMENT_SUFFIX} \
  --region eu-west-2 \
  --query 'Stacks[0].Outputs' \
  --output table

### Step 2: Get Primary RDS ARN for DR Setup
# Get the RDS instance ARN
export PRIMARY_RDS_ARN=$(aws cloudformation describe-stacks \
  --stack-name streamflix-dr-primary-${ENVIRONMENT_SUFFIX} \
  --region eu-west-2 \
  --query 'Stacks[0].Outputs[?OutputKey==`RDSInstanceId`].OutputValue' \
  --output text)

# Get the full ARN
export PRIMARY_RDS_FULL_ARN=$(aws rds describe-db-instances \
  --db-instance-identifier ${PRIMARY_RDS_ARN} \
  --region eu-west-2 \
  --query 'DBInstances[0].DBInstanceArn' \
  --output text)

echo "Primary RDS ARN: ${PRIMARY_RDS_FULL_ARN}"

### Step 3: Configure EFS Replication
# Get EFS File System ID from primary region
export PRIMARY_EFS_ID=$(aws cloudformation describe-stacks \
  --stack-name streamflix-dr-primary-${ENVIRONMENT_SUFFIX} \
  --region eu-west-2 \
  --query 'Stacks[0].Outputs[?OutputKey==`EFSFileSystemId`].OutputValue' \
  --output text)

echo "Primary EFS ID: ${PRIMARY_EFS_ID}"

### Step 4: Deploy DR Region (us-east-1)
# Deploy DR region stack
aws cloudformation create-stack \
  --stack-name streamflix-dr-secondary-${ENVIRONMENT_SUFFIX} \
  --template-body file://lib/streamflix-dr-secondary.yaml \
  --parameters \
    ParameterKey=environmentSuffix,ParameterValue=${ENVIRONMENT_SUFFIX} \
    ParameterKey=PrimaryRegion,ParameterValue=eu-west-2 \
    ParameterKey=PrimaryRDSArn,ParameterValue=${PRIMARY_RDS_FULL_ARN} \
  --capabilities CAPABILITY_NAMED_IAM \
  --region us-east-1 \
  --tags \
    Key=Environment,Value=${ENVIRONMENT_SUFFIX}-dr \
    Key=Application,Value=StreamFlix \
    Key=CostCenter,Value=Media

# Wait for stack to complete
aws cloudformation wait stack-create-complete \
  --stack-name streamflix-dr-secondary-${ENVIRONMENT_SUFFIX} \
  --region us-east-1

# Get DR stack outputs
aws cloudformation describe-stacks \
  --stack-name streamflix-dr-secondary-${ENVIRONMENT_SUFFIX} \
  --region us-east-1 \
  --query 'Stacks[0].Outputs' \
  --output table

### Step 5: Configure EFS Replication from Primary to DR
# Get DR EFS File System ID
export DR_EFS_ID=$(aws cloudformation describe-stacks \
  --stack-name streamflix-dr-secondary-${ENVIRONMENT_SUFFIX} \
  --region us-east-1 \
  --query 'Stacks[0].Outputs[?OutputKey==`EFSFileSystemId`].OutputValue' \
  --output text)

# Create replication configuration
aws efs create-replication-configuration \
  --source-file-system-id ${PRIMARY_EFS_ID} \
  --destinations Region=us-east-1,FileSystemId=${DR_EFS_ID} \
  --region eu-west-2

echo "EFS Replication configured from ${PRIMARY_EFS_ID} to ${DR_EFS_ID}"

### Step 6: Verify Deployment
# Verify primary region resources
echo "=== Primary Region Resources ==="
aws cloudformation describe-stack-resources \
  --stack-name streamflix-dr-primary-${ENVIRONMENT_SUFFIX} \
  --region eu-west-2 \
  --query 'StackResources[*].[ResourceType,LogicalResourceId,ResourceStatus]' \
  --output table

# Verify DR region resources
echo "=== DR Region Resources ==="
aws cloudformation describe-stack-resources \
  --stack-name streamflix-dr-secondary-${ENVIRONMENT_SUFFIX} \
  --region us-east-1 \
  --query 'StackResources[*].[ResourceType,LogicalResourceId,ResourceStatus]' \
  --output table

# Check RDS replication status
aws rds describe-db-instances \
  --db-instance-identifier streamflix-db-replica-${ENVIRONMENT_SUFFIX} \
  --region us-east-1 \
  --query 'DBInstances[0].[DBInstanceStatus,ReadReplicaSourceDBInstanceIdentifier]' \
  --output table
