package postgres

// Queries are the statements whose plans TestQueryPlans checks, by name.
var Queries = map[string]string{
	"feed":                 sqlFeed,
	"latest":               sqlLatest,
	"lock citizens":        sqlLockCitizens,
	"stored versions":      sqlStoredVersions,
	"latest versions":      sqlLatestVersions,
	"version exists":       sqlVersionExists,
	"bump heads":           sqlBumpHeads,
	"replay entries":       sqlReplayEntries,
	"citizens":             sqlCitizens,
	"devices":              sqlDevices,
	"purge nonces":         sqlPurgeNonces,
	"purge codes":          sqlPurgeCodes,
	"purge revocations":    sqlPurgeRevocations,
	"credentials":          sqlCredentials,
	"revoked since":        sqlRevokedSince,
	"revocation":           sqlRevocation,
	"lock revocation head": sqlLockRevocationHead,
	"put revocations":      sqlPutRevocations,
	"access log":           sqlAccessLog,
	"audit log":            sqlAuditLog,
	"lock audit head":      sqlLockAuditHead,
	"bump audit head":      sqlBumpAuditHead,
}
