// Connects document_source.h's S3 hooks (s3:// documents and --config
// files, --log-s3-bucket-name uploads) to the S3 client in common/s3.h.
#pragma once

namespace kiln::toe {

// Installs the getter and putter. Credentials, region and endpoint are read
// from the environment on each call (see common/s3.h).
void InstallS3DocumentClient();

}  // namespace kiln::toe
