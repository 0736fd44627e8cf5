package warehouse

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Store is everything the warehouse keeps: citizens, their record
// versions (the change feed), enrolment codes, devices, the request replay
// cache, the credentials issued per device, consent revocations and
// redemptions, the access log, the agencies and the public half of their
// keys. Private keys are never in a Store (see Keys).
//
// Two implementations run the same conformance suite
// (sync/warehouse/storetest): sync/warehouse/embedded (badger, one
// process) and sync/warehouse/postgres (any number of API processes on
// one database). Every method is safe for concurrent use, and, on a
// store shared by several processes, across them: every rule below
// (single use, no replay, no lost or reordered write) is enforced by the
// store, never by a process's memory.
//
// Identifiers (citizen, record, device, consent, agency ids) never hold a
// NUL byte: the server refuses them before they reach a store.
//
// Errors: the sentinels below, matched with errors.Is; anything else is a
// failure of the store itself (the server answers 500 without detail).
// A write that the store could not make because of a concurrent one (a
// serialisation failure, a deadlock, a badger conflict) is retried inside
// the store, a bounded number of times (enough that it does not happen
// under any load the tests make); it never reaches the caller as a
// conflict.
//
// Times are kept to the microsecond at least (PostgreSQL's precision);
// the times inside records, profiles and access entries exactly. An entry
// with an expiry is expired at t when expires <= t.
type Store interface {
	// PutCitizens adds citizens, or updates the profile of ones already
	// there (their feeds are untouched).
	PutCitizens(ctx context.Context, ps []wallet.Profile) error
	// Citizen returns a citizen's profile and head: the seq of the last
	// entry of their feed (0 for none). ErrUnknownCitizen if absent.
	Citizen(ctx context.Context, citizenID string) (wallet.Profile, int64, error)
	// Citizens lists profiles in increasing citizen-id order, starting
	// after the id after ("" for the first), at most limit.
	Citizens(ctx context.Context, after string, limit int) ([]wallet.Profile, error)

	// Append stores record versions, each in its citizen's feed with the
	// citizen's next seq, in one transaction: per citizen, seqs are
	// 1, 2, 3 ... with no gap and no repeat, in commit order, whatever
	// runs concurrently. For each write, in order:
	//
	//   - the citizen must exist, else that item's Err is ErrUnknownCitizen;
	//   - if the citizen's feed holds the same record id and version
	//     already: with the same Digest the item is a Duplicate (its
	//     stored Entry is returned, nothing is written), with another
	//     Digest its Err is ErrConflict;
	//   - otherwise check is called with the latest (highest) stored version
	//     of that record (nil if none; it sees the writes of earlier items
	//     of the same batch) and the write's record, which it may complete
	//     (fill the version, never change the id); an error from check is
	//     that item's Err, and the item is not stored. A version check
	//     fills that is stored already is ErrConflict.
	//
	// A refused item's Entry is the zero value.
	//
	// A batch with a Key is idempotent: the results of the first Append
	// with that (Agency, Key) are stored in the same transaction, and a
	// later Append with the same Agency, Key and BatchDigest returns them
	// (Replayed set) and writes nothing; with another BatchDigest it
	// fails with ErrConflict. (Results are kept indefinitely today; a
	// retention of some weeks would bound them.) Item errors are part of the result, never
	// the returned error; a returned error means nothing was stored.
	// check may be called more than once for a write (a transaction
	// retried after a conflict gets a fresh copy of the write): it must
	// only validate and complete w.
	//
	// Every stored item (record R, version v) makes INVALID, in the same
	// transaction, every status entry of R given for a version below v
	// (StatusStore): a corrected or withdrawn record's older credentials
	// stop verifying as current.
	//
	// A batch with Audit set also appends that entry to the audit log, as
	// AppendAudit does, in the SAME transaction as the batch: an
	// acknowledged batch always has its entry, a failed one (a returned
	// error) has none, and a replayed batch (same Agency, Key and
	// BatchDigest) writes none (the first Append wrote it). The store
	// extends the entry's Details (a JSON object) with the member
	// "items": one AuditItem per write, in order — citizen, operation,
	// record id and version, seq, stored/duplicate/refused and the
	// refusal's protocol error code, never a claim value. Details that
	// already hold "items", or that PrepareAudit refuses, fail the whole
	// Append with wallet.ErrInvalid (nothing stored). With Audit nil,
	// Append writes nothing to the audit log.
	Append(ctx context.Context, b Batch, check CheckFunc) (BatchResult, error)
	// Load is the bulk path of a first load: it stores citizens whose
	// feeds are empty together with their records (seq 1..n in the
	// given order). Citizens that already have a feed entry are skipped
	// whole, so a load that was interrupted can simply be run again.
	// The caller has validated the records; Load checks nothing but
	// that, and that no (record id, version) appears twice for a citizen
	// (wallet.ErrInvalid). It returns how many citizens it stored.
	Load(ctx context.Context, cs []CitizenRecords) (int, error)
	// Feed returns the entries of a citizen's feed with seq > after, in
	// seq order, at most limit, and the citizen's head. It reads only
	// those entries. ErrUnknownCitizen if absent.
	Feed(ctx context.Context, citizenID string, after int64, limit int) ([]Entry, int64, error)
	// Latest returns the latest version of each of a citizen's records,
	// ordered by the seq of each record's first version.
	// ErrUnknownCitizen if absent.
	Latest(ctx context.Context, citizenID string) ([]wallet.Record, error)

	// PutCode stores a single-use enrolment code (by its hash); the same
	// code again is a no-op, another code under a stored hash ErrConflict
	// (a used code never becomes usable again).
	PutCode(ctx context.Context, c Code) error
	// Enrol spends the code with hash codeHash for d.CitizenID and stores
	// the device, in one transaction: the code must exist, be unused, be
	// the citizen's and not have expired at d.EnrolledAt, else ErrBadCode
	// (one error for all four). A device key enrolled for another citizen
	// is ErrKeyInUse; enrolled for the same citizen, it is replaced (a
	// re-enrolment with a fresh code re-enables it). Of N concurrent
	// Enrols with one code exactly one succeeds.
	Enrol(ctx context.Context, codeHash string, d Device) error
	// Device returns an enrolled device, ErrNotFound if none.
	Device(ctx context.Context, id string) (Device, error)
	// Devices lists a citizen's devices, oldest enrolment first; it reads
	// that citizen's devices only. ErrUnknownCitizen if absent.
	Devices(ctx context.Context, citizenID string) ([]Device, error)
	// RevokeDevice disables a citizen's device at at (keeping the first
	// time if it was revoked before) and returns it. ErrNotFound if the
	// citizen has no such device.
	RevokeDevice(ctx context.Context, citizenID, deviceID string, at time.Time) (Device, error)

	// UseNonce records a request id of a client (a device id, or
	// "agency:" and an agency id) until expires. ErrReplay if the same
	// (client, id) is recorded and has not expired at now; of N
	// concurrent calls with one id exactly one succeeds.
	UseNonce(ctx context.Context, client, id string, expires, now time.Time) error
	// PurgeExpired deletes replay-cache entries, enrolment codes and
	// consent revocations that expired before now, and returns how many.
	PurgeExpired(ctx context.Context, now time.Time) (int, error)

	// Credentials returns the credentials issued to a device for record
	// versions ("" where none was issued yet).
	Credentials(ctx context.Context, deviceID string, refs []RecordRef) ([]string, error)
	// PutCredentials stores credentials for a device where none is stored
	// for that record version yet, and returns what is stored afterwards:
	// a credential issued concurrently by another request wins, so a
	// device sees exactly one credential per record version.
	PutCredentials(ctx context.Context, deviceID string, refs []RecordRef, creds []string) ([]string, error)
	// ReplaceCredentials re-issues: for each i, where the credential
	// stored for the device and refs[i] is exactly old[i], it stores
	// creds[i] in its place, in one transaction, and returns what is
	// stored afterwards for every ref ("" where none is). A stored
	// credential that is not old[i] (another request replaced it first)
	// stays: of concurrent re-issues of one credential exactly one wins,
	// and every caller gets the winner. An empty old[i] or creds[i], or a
	// ref with nothing stored, changes nothing.
	ReplaceCredentials(ctx context.Context, deviceID string, refs []RecordRef, old, creds []string) ([]string, error)

	// PutRevocations stores consent revocations of one citizen (their
	// CitizenID is citizenID), each under its ID, and gives each new one
	// the next revocation seq: a dense sequence over the whole warehouse,
	// given out in commit order, so a reader that has seen seq n has seen
	// every revocation up to n. An ID stored before keeps its first
	// revocation and counts for nothing. The new ones must keep within
	// lim, counted over the citizen's revocations that have not expired
	// at now: at most lim.Live of them, and at most lim.PerHour received
	// in the hour up to now; else ErrTooMany, and nothing is stored. It
	// returns how many were new. Concurrent calls for one citizen are
	// counted as if one after the other.
	PutRevocations(ctx context.Context, citizenID string, rs []Revocation, lim RevocationLimits, now time.Time) (int, error)
	// Revocation returns the revocation stored under id (a
	// consent.RevocationID), ErrNotFound if none.
	Revocation(ctx context.Context, id string) (Revocation, error)
	// RevokedSince returns the Listed revocations of consents for
	// audience with seq > after that have not expired at now, in seq
	// order, at most limit, and the revocation head: the highest seq
	// given out (every returned seq is at most head). It reads only
	// those revocations.
	RevokedSince(ctx context.Context, audience string, after int64, now time.Time, limit int) ([]Revocation, int64, error)

	// Redeem records a use of a consent at a counter in the citizen's
	// access log (with the citizen's next access seq, as Append does for
	// records) and, when singleUse, marks the consent redeemed, in one
	// transaction: ErrUsed, and nothing written, if a single-use consent
	// was redeemed before. It returns the entry with its Seq.
	Redeem(ctx context.Context, citizenID string, singleUse bool, e protocol.AccessEntry) (protocol.AccessEntry, error)
	// AccessLog returns a citizen's access entries with seq > after, in
	// seq order, at most limit, and whether there are more. Redeem and
	// AccessLog of an unknown citizen are ErrUnknownCitizen.
	AccessLog(ctx context.Context, citizenID string, after int64, limit int) ([]protocol.AccessEntry, bool, error)

	// PutAgency adds or replaces an agency (its name, client key and the
	// public half of its signing keys).
	PutAgency(ctx context.Context, a AgencyInfo) error
	// Agencies lists every agency, by id.
	Agencies(ctx context.Context) ([]AgencyInfo, error)
	// Meta and PutMeta keep small named values of the province (its id,
	// the root key's public JWK, the trust-list version).
	// Meta returns ErrNotFound for a name never put.
	Meta(ctx context.Context, name string) ([]byte, error)
	PutMeta(ctx context.Context, name string, value []byte) error
	// CreateMeta stores value under name unless name has a value, and
	// returns the value name has then: every process that calls it on a
	// store gets the same, whichever came first (a key made at a store's
	// first start).
	CreateMeta(ctx context.Context, name string, value []byte) ([]byte, error)

	// AppendAudit appends e to the audit log and returns it as stored.
	// The caller gives At (the zero time: the store's clock), Actor,
	// Action, Subject and Details; the store keeps At in UTC truncated to
	// the microsecond, Details compacted (see PrepareAudit, which also
	// says what is refused with wallet.ErrInvalid), and assigns Seq, Prev
	// and Hash (ComputeHash) inside one transaction that reads and bumps
	// the log's single head (its last seq and hash): so appends from any
	// number of goroutines and processes form one chain, seqs 1, 2, 3 ...
	// with no gap, no repeat and no fork, in commit order. Seq, Prev and
	// Hash given by the caller are ignored. The log is append-only: no
	// method changes or removes an entry.
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// AuditLog returns the audit entries with seq > after, in seq order,
	// at most limit, exactly as AppendAudit (or Append) returned them. It
	// reads only those entries. It does not verify the chain: a reader
	// does, with VerifyAuditChain (ExportAudit does it as it goes).
	AuditLog(ctx context.Context, after int64, limit int) ([]AuditEntry, error)

	// StatusStore keeps the agencies' status lists (statuslists.go).
	StatusStore

	// Close releases the store.
	Close() error
}

// Sentinel errors of Store (and of the Server methods that pass them on).
var (
	// ErrNotFound: no such device, revocation, meta value or record.
	ErrNotFound = errors.New("warehouse: not found")
	// ErrUnknownCitizen: the citizen number is not in the province's data.
	ErrUnknownCitizen = errors.New("warehouse: unknown citizen")
	// ErrConflict: an idempotency key or a (record id, version) used
	// before with other content.
	ErrConflict = errors.New("warehouse: conflicts with an earlier write")
	// ErrBadCode: an enrolment code that is unknown, used, expired or
	// another citizen's.
	ErrBadCode = errors.New("warehouse: bad enrolment code")
	// ErrKeyInUse: a device key enrolled for another citizen.
	ErrKeyInUse = errors.New("warehouse: device key enrolled for another citizen")
	// ErrReplay: a request id seen before.
	ErrReplay = errors.New("warehouse: request id used before")
	// ErrUsed: a single-use consent redeemed before.
	ErrUsed = errors.New("warehouse: single-use consent redeemed before")
	// ErrTooMany: a citizen's revocations would pass RevocationLimits.
	ErrTooMany = errors.New("warehouse: too many consent revocations")
)

// Entry is one entry of a citizen's change feed: a record version.
type Entry struct {
	Seq    int64         `json:"seq"`
	Record wallet.Record `json:"record"`
}

// Write is one record version to store.
type Write struct {
	CitizenID string
	Record    wallet.Record
	// Digest identifies the operation as its agency sent it (the server
	// hashes the item before filling defaults), so a repeated (record id,
	// version) is told apart from a different one.
	Digest []byte
	// Op is the ingestion operation (protocol.OpIssue …) for the
	// CheckFunc; the store keeps it nowhere.
	Op string
}

// Batch is the unit of Append.
type Batch struct {
	Agency string // who writes (the audit and the idempotency scope)
	// Key is the agency's idempotency key; "" for none.
	Key string
	// BatchDigest identifies the whole batch, for Key.
	BatchDigest []byte
	Writes      []Write
	// Audit, when set, is the audit entry of the batch (who sent it, the
	// action, the agency as Subject, ids in Details): Append stores it,
	// extended with the items' outcomes, in the batch's transaction.
	// Its Seq, Prev and Hash are the store's. See Store.Append.
	Audit *AuditEntry
}

// CheckFunc validates a write against the latest stored version of its
// record (nil if none) and may complete it; see Store.Append.
type CheckFunc func(prev *wallet.Record, w *Write) error

// BatchResult is what Append did.
type BatchResult struct {
	Items    []ItemResult
	Replayed bool // the results of an earlier Append with the same Key
}

// ItemResult is the outcome of one write.
type ItemResult struct {
	Entry     Entry // the stored entry (Seq 0 when Err is set)
	Duplicate bool  // the same (record id, version, digest) was stored before
	Err       error // why the item was refused; nil if stored or Duplicate
}

// CitizenRecords is a citizen and their records, for Store.Load: each
// write's Record and Digest (its CitizenID is the profile's).
type CitizenRecords struct {
	Profile wallet.Profile
	Writes  []Write
}

// Code is a single-use enrolment code, kept by its SHA-256.
type Code struct {
	Hash      string // hex SHA-256 of the normalised code
	CitizenID string
	Expires   time.Time
}

// Device is an enrolled device key.
type Device struct {
	ID         string          `json:"id"` // the key's RFC 7638 thumbprint
	CitizenID  string          `json:"citizen_id"`
	Key        json.RawMessage `json:"key"` // public JWK
	Label      string          `json:"label,omitempty"`
	EnrolledAt time.Time       `json:"enrolled_at"`
	// RevokedAt is when the device was disabled (the citizen lost it);
	// its requests and online tokens are refused from then on.
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// RecordRef names one version of a record.
type RecordRef struct {
	RecordID string
	Version  int
}

// Revocation is a consent its citizen revoked, as the device that gave
// the consent signed it (the token's key binding or online reference).
type Revocation struct {
	// ID is consent.RevocationID(Device, ConsentID): what counters look
	// up. It names the consent with its device, so no one can revoke
	// another device's consent by reusing its (public) consent id.
	ID        string `json:"id"`
	Seq       int64  `json:"seq"` // given by PutRevocations
	ConsentID string `json:"consent_id"`
	CitizenID string `json:"citizen_id"`
	Device    string `json:"device"`   // the key that signed the consent
	Audience  string `json:"audience"` // the consent's recipient agency
	// Listed: an offline token's revocation, published in the counters'
	// revocation list. An online token's is checked by the warehouse
	// itself at redemption and is not listed.
	Listed    bool      `json:"listed"`
	GivenAt   time.Time `json:"given_at"`
	RevokedAt time.Time `json:"revoked_at"`
	// Expires is when the consent itself expires: the revocation is
	// dropped then, as the token is refused anyway.
	Expires  time.Time `json:"expires"`
	Received time.Time `json:"received"`
}

// RevocationLimits bound what one citizen can put in the revocation
// list (see Store.PutRevocations).
type RevocationLimits struct {
	Live    int // unexpired revocations
	PerHour int // received in the last hour
}

// AgencyInfo is an issuing agency as the store keeps it.
type AgencyInfo struct {
	ID   string       `json:"id"` // issuer id in the trust list, e.g. "vn.dongnai.soyte"
	Name wallet.Label `json:"name"`
	// ClientKey is the public JWK the agency's system signs its
	// ingestion requests with (see Server.IngestHandler).
	ClientKey json.RawMessage `json:"client_key,omitempty"`
	// SigningKeys are the public halves of the agency's credential
	// signing keys, oldest first; the private halves are in Keys.
	SigningKeys []SigningKey `json:"signing_keys"`
}

// SigningKey is the public half of a signing key and its validity.
type SigningKey struct {
	KID       string          `json:"kid"`
	Public    json.RawMessage `json:"public"` // public JWK
	NotBefore time.Time       `json:"not_before"`
	NotAfter  time.Time       `json:"not_after,omitzero"`
	// Compromised is when the key was declared compromised (zero: in
	// good standing); the trust list then refuses everything it signed.
	Compromised time.Time `json:"compromised,omitzero"`
}

// AuditEntry is one entry of the warehouse's audit log: who did what, to
// whom, when. It names records, devices, agencies and codes by their ids
// and versions, never by a claim value or a secret (Details holds ids,
// versions, seqs, statuses and error codes only).
//
// The log is one hash chain over the whole warehouse: each entry's Prev
// is the Hash of the entry before it (AuditHashSize zero bytes for the
// first), and Hash is the SHA-256 of the entry's canonical encoding
// without Hash (ComputeHash, audit.go). VerifyAuditChain checks a run of
// entries; audit.go says what the chain does and does not protect
// against.
type AuditEntry struct {
	// Seq is the entry's place in the log: 1, 2, 3 ... over the whole
	// warehouse, dense. Given by the store.
	Seq int64
	// At is when it happened (the server's clock), kept in UTC to the
	// microsecond.
	At time.Time
	// Actor is who acted, as "kind:id": "agency:vn.dongnai.soyte",
	// "operator:…", "commune:…", "device:<kid>", or "system".
	Actor string
	// Action is what was done: "ingest", "enrolment-code",
	// "device-revoke", "agency-register", "admin-issue",
	// "admin-withdraw" …
	Action string
	// Subject is whom it concerns: a citizen id or an agency id ("" for
	// none).
	Subject string
	// Details is a JSON object with the ids, versions, seqs and statuses
	// of the action; never claim values. The store keeps it compacted,
	// byte for byte.
	Details json.RawMessage
	// Prev is the previous entry's Hash (AuditHashSize zero bytes for the
	// first entry). Given by the store.
	Prev []byte
	// Hash is ComputeHash() of the entry. Given by the store.
	Hash []byte
}

// AuditItem is the outcome of one write of an audited batch, as Append
// adds it to the audit entry's Details (the array "items", in the order
// of Batch.Writes).
type AuditItem struct {
	Citizen string `json:"citizen"`
	Op      string `json:"op,omitempty"` // Write.Op: issue, correct, withdraw
	Record  string `json:"record"`       // the record id
	// Version is the version stored (or, for a refused write, the one
	// asked for: 0 when the server was to fill it).
	Version int `json:"version"`
	// Seq is the entry's seq in the citizen's feed (the earlier entry's,
	// for a duplicate; 0 for a refused write).
	Seq    int64  `json:"seq,omitempty"`
	Status string `json:"status"`          // protocol.IngestStored, IngestDuplicate or IngestRefused
	Error  string `json:"error,omitempty"` // a refused write's protocol error code (protocol.ErrCode…)
}

// Names of Store meta values.
const (
	MetaProvince     = "province"      // the province id, e.g. "vn.dongnai"
	MetaRootKey      = "root-key"      // the root public JWK
	MetaTrustVersion = "trust-version" // decimal
)
