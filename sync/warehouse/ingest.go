package warehouse

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// opError is why one record operation was refused: a protocol error code
// and the sentinel a Go caller matches. Its text starts with the code in
// brackets, so a store that keeps only an error's text (a replayed
// idempotent batch) still gives the code back (see codeOf).
type opError struct {
	code     string
	sentinel error
	msg      string
}

func (e *opError) Error() string { return "[" + e.code + "] " + e.msg }
func (e *opError) Unwrap() error { return e.sentinel }

func refuse(code string, sentinel error, format string, a ...any) error {
	return &opError{code: code, sentinel: sentinel, msg: fmt.Sprintf(format, a...)}
}

// codeOf returns the protocol code and the message of an item error.
func codeOf(err error) (string, string) {
	var oe *opError
	if errors.As(err, &oe) {
		return oe.code, oe.msg
	}
	msg := err.Error()
	if i := strings.Index(msg, "["); i >= 0 {
		if j := strings.Index(msg[i:], "] "); j > 0 {
			return msg[i+1 : i+j], msg[i+j+2:]
		}
	}
	switch {
	case errors.Is(err, ErrUnknownCitizen):
		return protocol.ErrCodeUnknownCitizen, msg
	case errors.Is(err, ErrConflict):
		return protocol.ErrCodeConflict, msg
	case errors.Is(err, wallet.ErrStaleVersion):
		return protocol.ErrCodeStaleVersion, msg
	}
	return protocol.ErrCodeInvalidRecord, msg
}

// IngestResult is the Go form of one operation's outcome.
type IngestResult struct {
	Entry     Entry // the stored entry, or the earlier one for a Duplicate
	Duplicate bool
	Err       error // why it was refused: matches ErrUnknownCitizen, ErrConflict, wallet.ErrInvalid, wallet.ErrStaleVersion or wallet.ErrNotFound
}

// ErrBatch: a batch refused whole (too many operations, an unknown
// agency); nothing was written.
var ErrBatch = errors.New("warehouse: batch refused")

// Ingest applies a batch of an agency's record operations, the way its
// system sends them through the LGSP (see protocol.IngestRequest): every
// operation is checked on its own (registry, size, issuer, versions) and
// stored or refused; the batch is one transaction, and a batch with an
// idempotency key is applied once. A returned error (ErrBatch,
// ErrConflict for a reused key, a store failure) means nothing was
// written.
func (s *Server) Ingest(ctx context.Context, agency string, req protocol.IngestRequest) ([]IngestResult, bool, error) {
	return s.ingest(ctx, "agency:"+agency, "ingest", agency, req)
}

// ingest is Ingest by actor (who is audited as having done action).
func (s *Server) ingest(ctx context.Context, actor, action, agency string, req protocol.IngestRequest) ([]IngestResult, bool, error) {
	if _, ok := s.agency(ctx, agency); !ok {
		return nil, false, fmt.Errorf("%w: %q is not an agency of this province", ErrBatch, agency)
	}
	if n := len(req.Operations); n == 0 || n > protocol.MaxIngestOperations {
		return nil, false, fmt.Errorf("%w: a batch holds 1 to %d operations, not %d", ErrBatch, protocol.MaxIngestOperations, n)
	}
	if len(req.IdempotencyKey) > 200 {
		return nil, false, fmt.Errorf("%w: idempotency key longer than 200 bytes", ErrBatch)
	}
	out := make([]IngestResult, len(req.Operations))
	batch := Batch{Agency: agency, Key: req.IdempotencyKey}
	if req.IdempotencyKey != "" {
		batch.BatchDigest = digestOf(req)
	}
	var index []int // batch.Writes[k] is operation index[k]
	type refusal struct {
		Index   int    `json:"index"`
		Citizen string `json:"citizen"`
		Op      string `json:"op"`
		Record  string `json:"record,omitempty"`
		Error   string `json:"error"`
	}
	var refused []refusal
	for i, op := range req.Operations {
		w, err := s.prepare(agency, op)
		if err != nil {
			out[i].Err = err
			code, _ := codeOf(err)
			refused = append(refused, refusal{Index: i, Citizen: op.CitizenID, Op: op.Op, Record: op.RecordID, Error: code})
			continue
		}
		index = append(index, i)
		batch.Writes = append(batch.Writes, w)
	}
	// Every batch is audited, in its own transaction: who, which
	// operations, each outcome; never a claim value.
	details, _ := json.Marshal(map[string]any{"key": req.IdempotencyKey, "operations": len(req.Operations), "writes": index, "refused": refused})
	batch.Audit = &AuditEntry{At: s.cfg.Now(), Actor: actor, Action: action, Subject: agency, Details: details}
	res, err := s.st.Append(ctx, batch, func(prev *wallet.Record, w *Write) error {
		return checkOp(agency, prev, w)
	})
	if err != nil {
		return nil, false, fmt.Errorf("ingest: %w", err)
	}
	if len(res.Items) != len(batch.Writes) {
		return nil, false, fmt.Errorf("ingest: the store answered %d results for %d writes", len(res.Items), len(batch.Writes))
	}
	for k, it := range res.Items {
		if errors.Is(it.Err, ErrConflict) {
			it.Err = s.explainConflict(ctx, agency, batch.Writes[k], it.Err)
		}
		out[index[k]] = IngestResult(it)
	}
	return out, res.Replayed, nil
}

// explainConflict says why a write's (record id, version) was stored
// before with other content: another agency's record, a record that
// exists (for an issue), or a version used with other content.
func (s *Server) explainConflict(ctx context.Context, agency string, w Write, err error) error {
	if recs, lerr := s.st.Latest(ctx, w.CitizenID); lerr == nil {
		for _, r := range recs {
			if r.ID == w.Record.ID && r.Issuer != agency {
				return refuse(protocol.ErrCodeWrongIssuer, wallet.ErrInvalid, "record %s of citizen %s was issued by %s; agency %s may not change it", r.ID, w.CitizenID, r.Issuer, agency)
			}
		}
	}
	if w.Op == protocol.OpIssue {
		return refuse(protocol.ErrCodeRecordExists, ErrConflict, "citizen %s has record %s: a new version is a correction", w.CitizenID, w.Record.ID)
	}
	return err
}

// digestOf hashes a value's JSON: what identifies a batch as the agency
// sent it.
func digestOf(v any) []byte {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return sum[:]
}

// opDigest identifies one operation: the agency that sent it, its kind,
// citizen, withdrawal target and the record's compact JSON, each
// length-prefixed.
func opDigest(agency, op, citizen, recordID string, version int, record []byte) []byte {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(agency), []byte(op), []byte(citizen), []byte(recordID), []byte(strconv.Itoa(version)), record} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	return h.Sum(nil)
}

// prepare checks what can be checked of an operation alone and makes its
// write; the rest (versions) is checkOp's, in the store's transaction.
func (s *Server) prepare(agency string, op protocol.Operation) (Write, error) {
	if err := wallet.ValidateCitizenID(op.CitizenID); err != nil {
		return Write{}, refuse(protocol.ErrCodeBadRequest, wallet.ErrInvalid, "citizen id: %v", err)
	}
	w := Write{CitizenID: op.CitizenID, Op: op.Op}
	// The digest of the operation as sent (its record compacted), before
	// defaults are filled.
	record := op.Record
	if len(record) > 0 {
		var buf bytes.Buffer
		if err := json.Compact(&buf, record); err == nil {
			record = buf.Bytes()
		}
	}
	w.Digest = opDigest(agency, op.Op, op.CitizenID, op.RecordID, op.Version, record)
	switch op.Op {
	case protocol.OpIssue, protocol.OpCorrect:
		if op.RecordID != "" || op.Version != 0 {
			return Write{}, refuse(protocol.ErrCodeBadRequest, wallet.ErrInvalid, "%s carries the record, not record_id or version", op.Op)
		}
		r, err := decodeRecord(op.Record)
		if err != nil {
			return Write{}, err
		}
		if r.Issuer == "" {
			r.Issuer = agency
		}
		if r.Issuer != agency {
			return Write{}, refuse(protocol.ErrCodeWrongIssuer, wallet.ErrInvalid, "record %s names issuer %s; agency %s may write only its own records", r.ID, r.Issuer, agency)
		}
		t, ok := wallet.LookupType(r.Type)
		if !ok {
			return Write{}, refuse(protocol.ErrCodeUnknownType, wallet.ErrInvalid, "record %s: unknown record type %q", r.ID, r.Type)
		}
		if r.Domain == "" {
			r.Domain = t.Domain
		}
		if r.Status == "" {
			r.Status = wallet.StatusActive
		}
		if r.Status != wallet.StatusActive {
			return Write{}, refuse(protocol.ErrCodeBadRequest, wallet.ErrInvalid, "record %s: status %q: an issue or correction is active (withdraw with the withdraw operation)", r.ID, r.Status)
		}
		switch {
		case op.Op == protocol.OpIssue && r.Version > 1:
			return Write{}, refuse(protocol.ErrCodeBadRequest, wallet.ErrInvalid, "record %s: an issue is version 1, not %d (a new version is a correction)", r.ID, r.Version)
		case op.Op == protocol.OpIssue:
			r.Version = 1
		case op.Op == protocol.OpCorrect && r.Version == 1:
			return Write{}, refuse(protocol.ErrCodeStaleVersion, wallet.ErrStaleVersion, "record %s: a correction is version 2 or later", r.ID)
		case r.Version < 0:
			return Write{}, refuse(protocol.ErrCodeBadRequest, wallet.ErrInvalid, "record %s: negative version", r.ID)
		}
		if r.IssuedAt.IsZero() {
			r.IssuedAt = s.cfg.Now().UTC().Truncate(1e9)
		}
		w.Record = r
		if err := s.checkRecord(w.CitizenID, w.Record); err != nil {
			return Write{}, err
		}
	case protocol.OpWithdraw:
		if len(op.Record) > 0 || op.RecordID == "" || op.Version < 0 {
			return Write{}, refuse(protocol.ErrCodeBadRequest, wallet.ErrInvalid, "withdraw names record_id (and optionally the version), without a record")
		}
		w.Record = wallet.Record{ID: op.RecordID, Version: op.Version, Issuer: agency, Status: wallet.StatusWithdrawn, IssuedAt: s.cfg.Now().UTC().Truncate(1e9)}
	default:
		return Write{}, refuse(protocol.ErrCodeBadRequest, wallet.ErrInvalid, "unknown operation %q (issue, correct or withdraw)", op.Op)
	}
	return w, nil
}

// decodeRecord reads an operation's record strictly.
func decodeRecord(raw json.RawMessage) (wallet.Record, error) {
	var r wallet.Record
	if len(raw) == 0 {
		return r, refuse(protocol.ErrCodeBadRequest, wallet.ErrInvalid, "no record")
	}
	if err := decodeStrict(raw, &r); err != nil {
		return r, refuse(protocol.ErrCodeBadRequest, wallet.ErrInvalid, "record: %v", err)
	}
	if r.Credential != "" || !r.ReceivedAt.IsZero() {
		return r, refuse(protocol.ErrCodeBadRequest, wallet.ErrInvalid, "record %s: credential and received_at are the warehouse's and the wallet's, not the agency's", r.ID)
	}
	return r, nil
}

// checkRecord validates a record version against the record-type
// registry, the credential format and the size its credential will have
// (a version of 0, filled later, is checked as 1).
func (s *Server) checkRecord(citizenID string, r wallet.Record) error {
	probe := r
	if probe.Version == 0 {
		probe.Version = 1
	}
	if err := probe.Validate(); err != nil {
		return refuse(protocol.ErrCodeInvalidRecord, wallet.ErrInvalid, "%v", strings.TrimPrefix(err.Error(), wallet.ErrInvalid.Error()+": "))
	}
	for name, t := range map[string]time.Time{"issued_at": probe.IssuedAt, "valid_from": probe.ValidFrom, "valid_until": probe.ValidUntil} {
		if t.Nanosecond() != 0 {
			return refuse(protocol.ErrCodeInvalidRecord, wallet.ErrInvalid, "record %s: %s must be whole seconds", r.ID, name)
		}
	}
	if _, ok := probe.Claims[credential.ClaimCitizen]; ok {
		return refuse(protocol.ErrCodeInvalidRecord, wallet.ErrInvalid, "record %s: claim name %s is reserved", r.ID, credential.ClaimCitizen)
	}
	if n := credential.Size(probe, citizenID); n > credential.MaxBytes {
		return refuse(protocol.ErrCodeTooLarge, wallet.ErrInvalid, "record %s: its credential would be about %d bytes; a wallet accepts at most %d", r.ID, n, credential.MaxBytes)
	}
	return nil
}

// checkOp is the part of an operation's check that needs the latest
// stored version of its record; it runs inside the store's transaction.
func checkOp(agency string, prev *wallet.Record, w *Write) error {
	r := &w.Record
	if prev != nil && prev.Issuer != agency {
		return refuse(protocol.ErrCodeWrongIssuer, wallet.ErrInvalid, "record %s of citizen %s was issued by %s; agency %s may not change it", r.ID, w.CitizenID, prev.Issuer, agency)
	}
	switch w.Op {
	case protocol.OpIssue:
		if prev != nil {
			return refuse(protocol.ErrCodeRecordExists, wallet.ErrInvalid, "citizen %s has record %s (version %d): a new version is a correction", w.CitizenID, r.ID, prev.Version)
		}
	case protocol.OpCorrect, protocol.OpWithdraw:
		if prev == nil {
			return refuse(protocol.ErrCodeNoRecord, wallet.ErrNotFound, "citizen %s has no record %s", w.CitizenID, r.ID)
		}
		if prev.Status == wallet.StatusWithdrawn {
			return refuse(protocol.ErrCodeWithdrawn, wallet.ErrInvalid, "record %s is already withdrawn (version %d): nothing follows a withdrawal", r.ID, prev.Version)
		}
		if w.Op == protocol.OpCorrect && prev.Type != r.Type {
			return refuse(protocol.ErrCodeTypeChanged, wallet.ErrInvalid, "record %s has type %s, not %s", r.ID, prev.Type, r.Type)
		}
		if r.Version == 0 {
			r.Version = prev.Version + 1
		}
		if r.Version <= prev.Version {
			return refuse(protocol.ErrCodeStaleVersion, wallet.ErrStaleVersion, "record %s is at version %d; version %d is not newer", r.ID, prev.Version, r.Version)
		}
		if w.Op == protocol.OpWithdraw {
			version, issuedAt := r.Version, r.IssuedAt
			*r = *prev
			r.Version, r.IssuedAt, r.Status = version, issuedAt, wallet.StatusWithdrawn
			r.Claims = maps.Clone(prev.Claims) // the citizen still sees what was withdrawn
		}
	}
	return nil
}

// handleIngest serves protocol.PathIngest: an agency's signed batch.
func (s *Server) handleIngest(w http.ResponseWriter, r *http.Request) {
	agency, body, err := s.authenticateAgency(w, r)
	if err != nil {
		writeAuthError(w, r, err)
		return
	}
	var req protocol.IngestRequest
	if err := decodeStrict(body, &req); err != nil {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, "batch: "+err.Error())
		return
	}
	results, replayed, err := s.Ingest(r.Context(), agency, req)
	switch {
	case errors.Is(err, ErrBatch):
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, err.Error())
		return
	case errors.Is(err, ErrConflict):
		writeError(w, r, http.StatusConflict, protocol.ErrCodeConflict, "idempotency key "+req.IdempotencyKey+" was used with another batch")
		return
	case err != nil:
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "store the batch")
		return
	}
	resp := protocol.IngestResponse{Results: make([]protocol.IngestResult, len(results)), Replayed: replayed}
	for i, res := range results {
		out := protocol.IngestResult{Index: i, RecordID: res.Entry.Record.ID, Version: res.Entry.Record.Version, Seq: res.Entry.Seq}
		switch {
		case res.Err != nil:
			code, msg := codeOf(res.Err)
			out.Status, out.Error, out.Seq = protocol.IngestRefused, &protocol.Error{Code: code, Message: msg}, 0
		case res.Duplicate:
			out.Status = protocol.IngestDuplicate
		default:
			out.Status = protocol.IngestStored
			resp.Stored++
		}
		resp.Results[i] = out
	}
	writeJSON(w, r, http.StatusOK, resp)
}
