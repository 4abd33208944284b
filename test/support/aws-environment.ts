// The SDK needs a region and credentials even against emulators; these are fake and never reach AWS.
// AWS_ENDPOINT_URL is deliberately not set globally: each test points its clients at an emulator explicitly.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
// This machine runs Node 20; the deployed runtime is Node 22. The SDK's reminder is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Powertools: no EMF blobs or JSON logs on the test output unless a test asks for them.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
