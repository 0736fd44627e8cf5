package warehouse

// The audit log: the chain (ComputeHash, VerifyAuditChain), the helpers
// the stores share to keep entries (PrepareAudit, AuditBatchDetails) and
// its export (ExportAudit, VerifyAuditExport). The contract of the
// stores (AppendAudit, AuditLog, Batch.Audit) is in store.go.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// AuditHashSize is the size of an audit entry's Hash and Prev (SHA-256).
const AuditHashSize = sha256.Size

// ErrAuditChain: a run of audit entries (read from a store or an export)
// is not one unbroken chain: an entry was edited, deleted, inserted or
// moved. The error is an *AuditChainError naming the first seq at which
// the chain breaks.
var ErrAuditChain = errors.New("warehouse: audit chain broken")

// AuditChainError is how VerifyAuditChain, ExportAudit and
// VerifyAuditExport report a broken chain; it matches ErrAuditChain.
type AuditChainError struct {
	// Seq is the first seq at which the log is not what was chained: the
	// entry that was edited; the seq expected where an entry was deleted
	// or entries were swapped; the entry after an inserted one (a forged
	// entry with a correct hash is only betrayed by the next one, whose
	// Prev does not match it).
	Seq    int64
	Reason string
}

func (e *AuditChainError) Error() string {
	return fmt.Sprintf("%s at seq %d: %s", ErrAuditChain.Error(), e.Seq, e.Reason)
}

func (e *AuditChainError) Unwrap() error { return ErrAuditChain }

// auditDomain starts every canonical encoding, so an audit hash is never
// the hash of anything else the project hashes (and a later format gets
// another tag).
const auditDomain = "citizenwallet/warehouse/audit/v1"

// ComputeHash returns the SHA-256 of the entry's canonical encoding,
// which covers every field but Hash. The encoding is a sequence of
// fields, each an 8-byte big-endian length followed by that many bytes,
// in this order:
//
//	"citizenwallet/warehouse/audit/v1"   the format tag
//	Seq                                  8 bytes, big-endian
//	At                                   8 bytes, big-endian two's complement: Unix microseconds
//	Actor, Action, Subject               their UTF-8 bytes
//	Details                              the JSON bytes exactly as stored (compacted)
//	Prev                                 AuditHashSize bytes
//
// Every field is length-prefixed, so no two different entries have one
// encoding (an Actor "ab" and Action "c" is not an Actor "a" and Action
// "bc"), and Details is hashed as bytes, not as a JSON value whose
// member order or spacing could vary. At is hashed to the microsecond,
// the precision the stores keep.
func (e AuditEntry) ComputeHash() []byte {
	h := sha256.New()
	var n [8]byte
	length := func(l int) {
		binary.BigEndian.PutUint64(n[:], uint64(l))
		h.Write(n[:])
	}
	text := func(s string) { length(len(s)); io.WriteString(h, s) }
	num := func(v int64) {
		length(8)
		binary.BigEndian.PutUint64(n[:], uint64(v))
		h.Write(n[:])
	}
	text(auditDomain)
	num(e.Seq)
	num(e.At.UnixMicro())
	text(e.Actor)
	text(e.Action)
	text(e.Subject)
	length(len(e.Details))
	h.Write(e.Details)
	length(len(e.Prev))
	h.Write(e.Prev)
	return h.Sum(nil)
}

// Bounds of an audit entry's fields.
const (
	maxAuditText    = 256     // Actor, Action, Subject
	maxAuditDetails = 1 << 20 // Details as the caller gives them
)

// PrepareAudit is for Store implementations: it checks an entry given
// to AppendAudit (or Batch.Audit) and returns it as the store keeps it,
// Seq, Prev and Hash cleared for the store to fill.
//
//   - At: the zero time becomes now; then UTC, truncated to the
//     microsecond. A year outside 1..9999 is refused.
//   - Actor and Action: 1 to 256 bytes; Subject: at most 256 bytes; all
//     valid UTF-8 without NUL.
//   - Details: empty becomes {}; else a JSON object of at most 1 MiB,
//     valid UTF-8, kept compacted (json.Compact: insignificant space
//     removed, nothing else changed).
//
// A refusal matches wallet.ErrInvalid.
func PrepareAudit(e AuditEntry, now time.Time) (AuditEntry, error) {
	if e.At.IsZero() {
		e.At = now
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if y := e.At.Year(); y < 1 || y > 9999 {
		return AuditEntry{}, fmt.Errorf("%w: audit entry: time %s is out of range", wallet.ErrInvalid, e.At)
	}
	for _, f := range []struct {
		name, v  string
		required bool
	}{{"actor", e.Actor, true}, {"action", e.Action, true}, {"subject", e.Subject, false}} {
		switch {
		case f.required && f.v == "":
			return AuditEntry{}, fmt.Errorf("%w: audit entry: no %s", wallet.ErrInvalid, f.name)
		case len(f.v) > maxAuditText:
			return AuditEntry{}, fmt.Errorf("%w: audit entry: %s longer than %d bytes", wallet.ErrInvalid, f.name, maxAuditText)
		case !utf8.ValidString(f.v) || strings.IndexByte(f.v, 0) >= 0:
			return AuditEntry{}, fmt.Errorf("%w: audit entry: %s is not UTF-8 text without NUL", wallet.ErrInvalid, f.name)
		}
	}
	d := bytes.TrimSpace(e.Details)
	switch {
	case len(d) == 0:
		e.Details = json.RawMessage("{}")
	case len(d) > maxAuditDetails:
		return AuditEntry{}, fmt.Errorf("%w: audit entry: details larger than %d bytes", wallet.ErrInvalid, maxAuditDetails)
	case d[0] != '{' || !utf8.Valid(d):
		return AuditEntry{}, fmt.Errorf("%w: audit entry: details must be a JSON object in UTF-8", wallet.ErrInvalid)
	default:
		var b bytes.Buffer
		if err := json.Compact(&b, d); err != nil {
			return AuditEntry{}, fmt.Errorf("%w: audit entry: details: %v", wallet.ErrInvalid, err)
		}
		e.Details = b.Bytes()
	}
	e.Seq, e.Prev, e.Hash = 0, nil, nil
	return e, nil
}

// auditItemsKey is the member of an audited batch's Details that the
// store fills.
const auditItemsKey = "items"

// AuditBatchDetails is for Store implementations: the Details of an
// audited batch's entry, details (as PrepareAudit returned them) with
// the member "items" added, one AuditItem per write, from the write and
// its result. Details that hold "items" already are refused
// (wallet.ErrInvalid). The caller's bytes are kept as they are: the
// array is appended before the closing brace.
func AuditBatchDetails(details json.RawMessage, writes []Write, items []ItemResult) (json.RawMessage, error) {
	if len(writes) != len(items) {
		return nil, fmt.Errorf("audit: %d results for %d writes", len(items), len(writes))
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(details, &members); err != nil {
		return nil, fmt.Errorf("%w: audit entry: details: %v", wallet.ErrInvalid, err)
	}
	if _, ok := members[auditItemsKey]; ok {
		return nil, fmt.Errorf("%w: audit entry: details member %q is the store's", wallet.ErrInvalid, auditItemsKey)
	}
	out := make([]AuditItem, len(items))
	for i, it := range items {
		w := writes[i]
		a := AuditItem{Citizen: w.CitizenID, Op: w.Op, Record: w.Record.ID, Version: w.Record.Version}
		switch {
		case it.Err != nil:
			a.Status, a.Error = protocol.IngestRefused, auditCode(it.Err)
		case it.Duplicate:
			a.Status, a.Seq, a.Version = protocol.IngestDuplicate, it.Entry.Seq, it.Entry.Record.Version
		default:
			a.Status, a.Seq, a.Version = protocol.IngestStored, it.Entry.Seq, it.Entry.Record.Version
		}
		out[i] = a
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	arr := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	d := bytes.TrimSuffix(bytes.TrimSpace(details), []byte("}"))
	merged := make([]byte, 0, len(d)+len(arr)+16)
	merged = append(merged, d...)
	if len(members) > 0 {
		merged = append(merged, ',')
	}
	merged = append(merged, `"`+auditItemsKey+`":`...)
	merged = append(merged, arr...)
	merged = append(merged, '}')
	return merged, nil
}

// auditCode is a refused write's protocol error code: the server's own
// code when the error is one of its refusals, else the code of the
// sentinel it matches. Only the fixed vocabulary of codes goes to the
// log, never an error's text (which may quote what was sent).
func auditCode(err error) string {
	var oe *opError
	switch {
	case errors.As(err, &oe):
		return oe.code
	case errors.Is(err, ErrUnknownCitizen):
		return protocol.ErrCodeUnknownCitizen
	case errors.Is(err, ErrConflict):
		return protocol.ErrCodeConflict
	case errors.Is(err, wallet.ErrStaleVersion):
		return protocol.ErrCodeStaleVersion
	case errors.Is(err, wallet.ErrNotFound), errors.Is(err, ErrNotFound):
		return protocol.ErrCodeNoRecord
	}
	return protocol.ErrCodeInvalidRecord
}

// auditVerifier follows a chain entry by entry.
type auditVerifier struct {
	seq  int64 // the last seq verified; -1 before the first when unknown
	hash []byte
}

// newAuditVerifier starts after the entry whose hash is prev: the start
// of the log (seq 0) when prev is empty or zero, else an unknown seq.
func newAuditVerifier(prev []byte) (*auditVerifier, error) {
	if len(prev) == 0 || bytes.Equal(prev, make([]byte, AuditHashSize)) {
		return &auditVerifier{seq: 0, hash: make([]byte, AuditHashSize)}, nil
	}
	if len(prev) != AuditHashSize {
		return nil, fmt.Errorf("warehouse: verify audit chain: the previous hash is %d bytes, not %d", len(prev), AuditHashSize)
	}
	return &auditVerifier{seq: -1, hash: bytes.Clone(prev)}, nil
}

// next checks that e follows the entries verified so far.
func (v *auditVerifier) next(e AuditEntry) error {
	want := v.seq + 1
	if v.seq < 0 {
		want = e.Seq
	}
	switch {
	case e.Seq != want:
		return &AuditChainError{Seq: want, Reason: fmt.Sprintf("found seq %d where seq %d belongs: an entry was deleted, inserted or moved", e.Seq, want)}
	case !bytes.Equal(e.Prev, v.hash):
		return &AuditChainError{Seq: e.Seq, Reason: "its prev is not the hash of the entry before it: an entry before it was deleted, inserted or changed"}
	case len(e.Hash) != AuditHashSize || !bytes.Equal(e.Hash, e.ComputeHash()):
		return &AuditChainError{Seq: e.Seq, Reason: "its hash does not match its content: the entry was changed"}
	}
	v.seq, v.hash = e.Seq, e.Hash
	return nil
}

// VerifyAuditChain checks that entries are one unbroken run of the audit
// chain following the entry whose Hash is prev. With prev empty (or
// AuditHashSize zero bytes) entries must start the log, at seq 1; else
// the first entry's Prev must be prev (its seq is taken as given). Each
// entry must have the seq after the one before it, Prev equal to that
// one's Hash, and Hash equal to its own ComputeHash. An edited entry, a
// deleted, inserted, swapped or renumbered one is an *AuditChainError
// (matching ErrAuditChain) naming the first seq where the chain breaks.
// To verify a log read in pages, pass each page the last Hash of the
// page before.
//
// What the chain protects against: a change to the log by anyone who
// cannot also rewrite every entry after it — an edit, deletion or
// insertion through a database tool, a restored old backup spliced in,
// a bug that writes a row it should not. What it does not: the hashes
// are not secret and not signed, so an attacker with write access to
// the database can recompute the chain from the point of an edit
// onwards (or drop the last entries), and the result verifies. Only a
// head hash kept where that attacker cannot reach closes that gap: the
// province should keep the head (seq and hash) that ExportAudit returns
// from each regular export, outside the warehouse (with its records
// office, or signed periodically with the root key and published); a
// later export must then still hold that seq with that hash. Nor does
// the chain prove an entry true: it records what the server was told
// to write (an Actor is as trustworthy as the authentication behind
// it).
func VerifyAuditChain(prev []byte, entries []AuditEntry) error {
	v, err := newAuditVerifier(prev)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := v.next(e); err != nil {
			return err
		}
	}
	return nil
}

// auditLine is an entry as an export line holds it: the hashes in hex.
type auditLine struct {
	Seq     int64           `json:"seq"`
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor"`
	Action  string          `json:"action"`
	Subject string          `json:"subject"`
	Details json.RawMessage `json:"details"`
	Prev    string          `json:"prev"`
	Hash    string          `json:"hash"`
}

// auditExportPage is how many entries ExportAudit reads at once.
const auditExportPage = 1000

// ExportAudit writes the store's whole audit log to w as JSON Lines, one
// entry per line in seq order:
//
//	{"seq":1,"at":"2026-11-02T08:30:00.123456Z","actor":"agency:vn.dongnai.soyte","action":"ingest",
//	 "subject":"vn.dongnai.soyte","details":{…},"prev":"00…00","hash":"3f…"}
//
// (at in RFC 3339 UTC, details as stored, prev and hash in lower-case
// hex), and returns how many entries it wrote and the head: the last
// entry's hash (AuditHashSize zero bytes for an empty log). Keep the
// head, with its seq (n), away from the warehouse: see VerifyAuditChain
// for why. It verifies the chain as it reads: when the stored log does
// not verify it still writes it whole (the file is then the evidence)
// and returns an *AuditChainError for the first break. Entries appended
// while it runs are included up to the last page it reads.
//
// The export names citizens by their personal identification numbers:
// it is personal data, to be kept as the database is.
func ExportAudit(ctx context.Context, st Store, w io.Writer) (n int, head []byte, err error) {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false) // details are written as stored, byte for byte
	v, _ := newAuditVerifier(nil)
	head = make([]byte, AuditHashSize)
	var broken error
	after := int64(0)
	for {
		page, err := st.AuditLog(ctx, after, auditExportPage)
		if err != nil {
			return n, head, fmt.Errorf("export audit log: %w", err)
		}
		for _, e := range page {
			if broken == nil {
				broken = v.next(e)
			}
			l := auditLine{Seq: e.Seq, At: e.At.UTC(), Actor: e.Actor, Action: e.Action, Subject: e.Subject,
				Details: e.Details, Prev: hex.EncodeToString(e.Prev), Hash: hex.EncodeToString(e.Hash)}
			if len(l.Details) == 0 {
				l.Details = json.RawMessage("null") // not an entry a store makes; written so the line still parses
			}
			if err := enc.Encode(l); err != nil {
				return n, head, fmt.Errorf("export audit log: seq %d: %w", e.Seq, err)
			}
			n++
			head = e.Hash
		}
		if len(page) < auditExportPage {
			break
		}
		after = page[len(page)-1].Seq
	}
	if err := bw.Flush(); err != nil {
		return n, head, fmt.Errorf("export audit log: %w", err)
	}
	return n, head, broken
}

// maxAuditLine bounds one line of an export (an entry of a batch of 1000
// writes is about 150 KB).
const maxAuditLine = 64 << 20

// VerifyAuditExport reads an export written by ExportAudit and checks
// that it is the audit chain from its first entry (seq 1) to its last:
// it returns how many entries it read and the head (the last entry's
// hash). A line that is not an entry as ExportAudit writes it (unknown
// members, hashes that are not hex, details changed in any byte), an
// edited, deleted, inserted or moved entry is an *AuditChainError
// (ErrAuditChain) naming the seq. A read error is returned as it is.
// A valid export proves the chain whole, not that it is the latest: an
// attacker who rewrote the chain from some entry on is caught only by
// comparing the head with one kept before (see VerifyAuditChain).
func VerifyAuditExport(r io.Reader) (n int, head []byte, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxAuditLine)
	v, _ := newAuditVerifier(nil)
	head = make([]byte, AuditHashSize)
	line := 0
	for sc.Scan() {
		line++
		e, err := parseAuditLine(sc.Bytes())
		if err != nil {
			return n, head, &AuditChainError{Seq: v.seq + 1, Reason: fmt.Sprintf("line %d is not an audit entry: %v", line, err)}
		}
		if err := v.next(e); err != nil {
			return n, head, err
		}
		n++
		head = e.Hash
	}
	if err := sc.Err(); err != nil {
		return n, head, fmt.Errorf("verify audit export: line %d: %w", line+1, err)
	}
	return n, head, nil
}

// parseAuditLine decodes one export line strictly.
func parseAuditLine(b []byte) (AuditEntry, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var l auditLine
	if err := dec.Decode(&l); err != nil {
		return AuditEntry{}, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return AuditEntry{}, errors.New("more than one JSON value on the line")
	}
	prev, err := hex.DecodeString(l.Prev)
	if err != nil {
		return AuditEntry{}, fmt.Errorf("prev: %w", err)
	}
	hash, err := hex.DecodeString(l.Hash)
	if err != nil {
		return AuditEntry{}, fmt.Errorf("hash: %w", err)
	}
	return AuditEntry{Seq: l.Seq, At: l.At, Actor: l.Actor, Action: l.Action, Subject: l.Subject,
		Details: l.Details, Prev: prev, Hash: hash}, nil
}
