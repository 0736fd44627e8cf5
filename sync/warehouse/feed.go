package warehouse

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// maxPageBytes bounds the credentials of one page, far under
// protocol.MaxResponseBytes: a page of large records is cut short (More
// stays set), never refused.
const maxPageBytes = 2 << 20

// parseCursor reads the opaque cursor: the last seq the client stored, in
// decimal ("" is the start).
func parseCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(c, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != c {
		return 0, fmt.Errorf("cursor %q is not a position in this feed", c)
	}
	return n, nil
}

func parseLimit(l string) (int, error) {
	if l == "" {
		return protocol.DefaultPageSize, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 || n > protocol.MaxPageSize {
		return 0, fmt.Errorf("limit must be 1 to %d", protocol.MaxPageSize)
	}
	return n, nil
}

// handleChanges serves one page of the device's citizen's change feed: it
// reads only the entries after the cursor (and, with nothing new, only the
// citizen's head). Every record is issued as an SD-JWT bound to the
// device key; the credential is kept, so a page fetched again is
// byte-identical and the wallet's idempotent store doubles nothing.
func (s *Server) handleChanges(w http.ResponseWriter, r *http.Request, dev *Device, _ []byte) {
	limit, err := parseLimit(r.URL.Query().Get("limit"))
	if err != nil {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, err.Error())
		return
	}
	from, err := parseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadCursor, err.Error())
		return
	}
	page, head, err := s.st.Feed(r.Context(), dev.CitizenID, from, limit)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "read the feed")
		return
	}
	if from > head {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadCursor, fmt.Sprintf("cursor %d is past the end of this feed (%d)", from, head))
		return
	}
	holder, err := keys.ParsePublicJWK(dev.Key)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "device key")
		return
	}
	recs := make([]wallet.Record, len(page))
	for i, e := range page {
		recs[i] = e.Record
	}
	creds, err := s.credentials(r.Context(), dev, holder, recs)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "issue records")
		return
	}
	resp := protocol.ChangesResponse{Changes: make([]protocol.Change, 0, len(page)), NextCursor: strconv.FormatInt(from, 10)}
	var pageBytes int64
	last := from
	for i, e := range page {
		cred := creds[i]
		if len(resp.Changes) > 0 && pageBytes+int64(len(cred)) > maxPageBytes {
			break
		}
		kind := protocol.ChangeRecord
		if e.Record.Status == wallet.StatusWithdrawn {
			kind = protocol.ChangeWithdrawal
		}
		ch := protocol.Change{Seq: e.Seq, Kind: kind, RecordID: e.Record.ID, Version: e.Record.Version}
		ch.Compact, ch.Credential = s.transfer(cred, holder.KID(), e.Record.ID, e.Record.Version)
		resp.Changes = append(resp.Changes, ch)
		last = e.Seq
		pageBytes += int64(len(cred))
	}
	resp.NextCursor = strconv.FormatInt(last, 10)
	if l := s.currentTrust(r.Context()); l != nil {
		w.Header().Set(protocol.HeaderTrustVersion, strconv.FormatInt(l.Version, 10))
	}
	resp.Remaining = int(head - last)
	resp.More = resp.Remaining > 0
	if n := len(resp.Changes); n > 0 {
		resp.RemainingBytes = pageBytes / int64(n) * int64(resp.Remaining)
	} else if resp.Remaining > 0 {
		resp.RemainingBytes = int64(resp.Remaining) * 2500
	}
	writeJSON(w, r, http.StatusOK, resp)
}

// credentials returns the device's credential for each record version,
// issuing and keeping the missing ones, and re-issuing in place the
// stored ones that are due (see lifecycle.go): near or past their exp,
// or signed by a key the trust list marks compromised. So a credential
// signed by a compromised key is never served again.
func (s *Server) credentials(ctx context.Context, dev *Device, holder *keys.PublicKey, recs []wallet.Record) ([]string, error) {
	refs := make([]RecordRef, len(recs))
	for i, r := range recs {
		refs[i] = RecordRef{RecordID: r.ID, Version: r.Version}
	}
	out, err := s.st.Credentials(ctx, dev.ID, refs)
	if err != nil {
		return nil, err
	}
	if err := s.renewDue(ctx, dev, holder, recs, refs, out); err != nil {
		return nil, err
	}
	var missing []int
	for i, c := range out {
		if c == "" {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	mrefs := make([]RecordRef, len(missing))
	mcreds := make([]string, len(missing))
	status, err := s.allocateStatus(ctx, dev.CitizenID, dev.ID, recs, missing)
	if err != nil {
		return nil, err
	}
	for k, i := range missing {
		cred, err := s.issue(ctx, recs[i], dev.CitizenID, holder, status[k])
		if err != nil {
			return nil, err
		}
		mrefs[k], mcreds[k] = refs[i], cred
	}
	// A concurrent request may have stored some meanwhile: what is stored
	// wins, so the device sees exactly one credential per version.
	stored, err := s.st.PutCredentials(ctx, dev.ID, mrefs, mcreds)
	if err != nil {
		return nil, err
	}
	var lost []string // issued here, never served: their entries go INVALID
	for k, i := range missing {
		out[i] = stored[k]
		if stored[k] != mcreds[k] {
			lost = append(lost, mcreds[k])
		}
	}
	if err := s.invalidateCredentials(ctx, lost); err != nil {
		return nil, err
	}
	return out, nil
}

// issue signs a record version with its agency's current key, now
// (iat), for the record type's credential lifetime (exp), with its
// status entry (nil: none).
func (s *Server) issue(ctx context.Context, rec wallet.Record, citizenID string, holder *keys.PublicKey, status *credential.StatusRef) (string, error) {
	a, ok := s.agency(ctx, rec.Issuer)
	if !ok || len(a.keys) == 0 {
		return "", fmt.Errorf("record %s: issuer %s has no key", rec.ID, rec.Issuer)
	}
	if cur := a.info.SigningKeys[len(a.info.SigningKeys)-1]; !cur.Compromised.IsZero() {
		return "", fmt.Errorf("record %s: the current key of %s is compromised: rotate it", rec.ID, rec.Issuer)
	}
	now := s.cfg.Now().UTC().Truncate(time.Second)
	cred, err := credential.Issue(rec, citizenID, a.keys[len(a.keys)-1], holder, credential.IssueOptions{
		SignedAt: now, Expires: now.Add(s.cfg.lifetime(rec.Type)), Province: s.cfg.Province,
		Status: status, Seed: s.seedFor(holder.KID(), rec.ID, rec.Version, now), Iss: s.issuerURL(rec.Issuer),
	})
	if err != nil {
		return "", fmt.Errorf("record %s: %w", rec.ID, err)
	}
	return cred, nil
}

// IssueCredential signs a record as its agency would, for a citizen's
// device key, without putting it in any feed. It is the agencies' side of
// the reference server, for tests and tools that need a genuinely signed
// credential outside the feed (e.g. a record of one citizen bound to
// another's device, to prove the wallet refuses it).
func (s *Server) IssueCredential(r wallet.Record, citizenID string, holder *keys.PublicKey) (string, error) {
	if _, ok := s.agency(context.Background(), r.Issuer); !ok {
		return "", fmt.Errorf("issue credential: %w: %q is not an agency of this province", wallet.ErrInvalid, r.Issuer)
	}
	ctx := context.Background()
	status, err := s.allocateStatus(ctx, citizenID, "", []wallet.Record{r}, []int{0})
	if err != nil {
		return "", fmt.Errorf("issue credential: %w", err)
	}
	return s.issue(ctx, r, citizenID, holder, status[0])
}
