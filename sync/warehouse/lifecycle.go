package warehouse

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// The credential lifecycle.
//
// A device's credential of a record version is signed when the device
// first fetches it (iat = that time) and expires Config.CredentialLifetime
// later (exp; per record type with Config.CredentialLifetimes). The
// stored credential is served again as long as it is not due: once it is
// within Config.RenewBefore of its exp (or past it, or has no exp at
// all, or its key is marked compromised), the next request that would
// serve it — the change feed, a re-issue request (protocol.PathReissue),
// an online redemption — signs a fresh one with the agency's current key
// and stores it in place of the old one (Store.ReplaceCredentials, a
// compare-and-swap), so every device sees one credential per version at
// a time.
//
// A leaked agency key is handled by CompromiseAgencyKey: the key is
// marked compromised in a new trust-list version (every verifier refuses
// what it signed, whatever its iat), the agency is rotated to a fresh
// key, and the credentials the old key signed are due from then on: none
// is served again, and each device gets fresh ones at its next sync. No
// scan of the credentials is needed: each is judged when it is asked for.

// lifetimes checks and completes the lifecycle settings.
func (c *Config) lifetimes() error {
	if c.CredentialLifetime <= 0 {
		c.CredentialLifetime = credential.DefaultLifetime
	}
	if c.RenewBefore <= 0 {
		c.RenewBefore = credential.DefaultRenewBefore
	}
	for typ, d := range c.CredentialLifetimes {
		if _, ok := wallet.LookupType(typ); !ok {
			return fmt.Errorf("credential lifetime of %q: no such record type", typ)
		}
		if d < time.Hour {
			return fmt.Errorf("credential lifetime of %s: %s is under an hour", typ, d)
		}
	}
	if c.CredentialLifetime < time.Hour {
		return fmt.Errorf("credential lifetime %s is under an hour", c.CredentialLifetime)
	}
	return nil
}

// lifetime is the credential lifetime of a record type.
func (c *Config) lifetime(typ string) time.Duration {
	if d, ok := c.CredentialLifetimes[typ]; ok {
		return d
	}
	return c.CredentialLifetime
}

// renewBefore is how long before its exp a credential of typ is re-issued:
// Config.RenewBefore, at most half the type's lifetime (so a fresh
// credential is never due at once).
func (c *Config) renewBefore(typ string) time.Duration {
	return min(c.RenewBefore, c.lifetime(typ)/2)
}

// currentTrust is the parsed trust list this process signs.
func (s *Server) currentTrust(ctx context.Context) *trust.List {
	s.refresh(ctx, false)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.trustList
}

// renewDue re-issues, in out, the stored credentials that are due, and
// stores them in place of the old ones (what is stored afterwards wins:
// a concurrent request may have re-issued first).
func (s *Server) renewDue(ctx context.Context, dev *Device, holder *keys.PublicKey, recs []wallet.Record, refs []RecordRef, out []string) error {
	now := s.cfg.Now()
	list := s.currentTrust(ctx)
	var due []int
	for i, c := range out {
		if c == "" {
			continue
		}
		f, err := credential.ReadFacts(c)
		if err != nil || f.Due(now, s.cfg.renewBefore(recs[i].Type), list) {
			due = append(due, i)
		}
	}
	if len(due) == 0 {
		return nil
	}
	drefs := make([]RecordRef, len(due))
	olds := make([]string, len(due))
	news := make([]string, len(due))
	status, err := s.allocateStatus(ctx, dev.CitizenID, dev.ID, recs, due)
	if err != nil {
		return err
	}
	for k, i := range due {
		cred, err := s.issue(ctx, recs[i], dev.CitizenID, holder, status[k])
		if err != nil {
			return err
		}
		drefs[k], olds[k], news[k] = refs[i], out[i], cred
	}
	stored, err := s.st.ReplaceCredentials(ctx, dev.ID, drefs, olds, news)
	if err != nil {
		return err
	}
	// A re-issue invalidates the credential it replaced; a new one that
	// lost to a concurrent replacement was never served.
	var gone []string
	for k, i := range due {
		out[i] = stored[k]
		if stored[k] == news[k] {
			gone = append(gone, olds[k])
		} else {
			gone = append(gone, news[k])
		}
	}
	return s.invalidateCredentials(ctx, gone)
}

// handleReissue answers a device's request for fresh credentials of the
// record versions it holds (protocol.PathReissue): for each, the
// device's credential of that version now, re-issued first when the one
// stored is due. Only the latest version of a record is re-issued (an
// older one is ReissueSuperseded: its successor comes with the feed).
// The request is device-signed and bounded like the others: at most
// protocol.MaxReissuePerRequest distinct refs, body at most
// protocol.MaxRequestBytes; it reads only the citizen's own records.
func (s *Server) handleReissue(w http.ResponseWriter, r *http.Request, dev *Device, body []byte) {
	var req protocol.ReissueRequest
	if err := decodeStrict(body, &req); err != nil {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, "reissue: "+err.Error())
		return
	}
	if len(req.Records) == 0 || len(req.Records) > protocol.MaxReissuePerRequest {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, fmt.Sprintf("reissue: 1 to %d records per request", protocol.MaxReissuePerRequest))
		return
	}
	seen := make(map[protocol.ReissueRef]bool, len(req.Records))
	for _, ref := range req.Records {
		if seen[ref] {
			writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, fmt.Sprintf("reissue: record %.80s version %d asked twice", ref.RecordID, ref.Version))
			return
		}
		seen[ref] = true
	}
	holder, err := keys.ParsePublicJWK(dev.Key)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "device key")
		return
	}
	latest, err := s.st.Latest(r.Context(), dev.CitizenID)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "records")
		return
	}
	resp := protocol.ReissueResponse{Results: make([]protocol.Reissued, len(req.Records))}
	var recs []wallet.Record
	var at []int
	for i, ref := range req.Records {
		res := &resp.Results[i]
		res.RecordID, res.Version = ref.RecordID, ref.Version
		j := slices.IndexFunc(latest, func(rec wallet.Record) bool { return rec.ID == ref.RecordID })
		switch {
		case j < 0 || ref.Version < 1 || ref.Version > latest[j].Version:
			res.Status = protocol.ReissueNotFound
		case ref.Version < latest[j].Version:
			res.Status = protocol.ReissueSuperseded
		default:
			res.Status = protocol.ReissueIssued
			recs, at = append(recs, latest[j]), append(at, i)
		}
	}
	if len(recs) > 0 {
		creds, err := s.credentials(r.Context(), dev, holder, recs)
		if err != nil {
			writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "issue records")
			return
		}
		for k, i := range at {
			resp.Results[i].Compact, resp.Results[i].Credential = s.transfer(creds[k], holder.KID(), recs[k].ID, recs[k].Version)
		}
	}
	writeJSON(w, r, http.StatusOK, resp)
}

// CompromiseResult is what CompromiseAgencyKey did.
type CompromiseResult struct {
	Agency      string     `json:"agency"`
	Compromised SigningKey `json:"compromised"`
	// Current is the agency's signing key afterwards: a fresh one when
	// the compromised key was the current one.
	Current SigningKey `json:"current"`
}

// CompromiseAgencyKey declares an agency's signing key (by kid; "" for
// the current one) compromised: the key is marked in a new trust-list
// version (nothing it signed verifies any more, whatever its iat), its
// NotAfter becomes now if it had none, and, when it was the current key,
// the agency is rotated to a fresh key (generated in the KeyStore with
// alg). From then on every credential it signed is due: none is served
// again, and each device is sent fresh ones at its next sync (see the
// lifecycle above). Declaring a key compromised twice keeps the first
// time.
func (s *Server) CompromiseAgencyKey(ctx context.Context, agencyID, kid string, alg keys.Alg) (CompromiseResult, error) {
	return s.compromiseAgencyKeyAs(ctx, "system", agencyID, kid, alg)
}

// ErrNotCompromisable: a compromise that would leave the agency without a
// usable key (it holds trust.MaxKeysPerIssuer keys already).
var ErrNotCompromisable = fmt.Errorf("%w: the agency has no room for a fresh key; retire old keys first", wallet.ErrInvalid)

func (s *Server) compromiseAgencyKeyAs(ctx context.Context, actor, agencyID, kid string, alg keys.Alg) (CompromiseResult, error) {
	a, ok := s.agency(ctx, agencyID)
	if !ok {
		return CompromiseResult{}, fmt.Errorf("compromise key: %w: agency %s", ErrNotFound, agencyID)
	}
	info := a.info
	info.SigningKeys = slices.Clone(info.SigningKeys)
	n := len(info.SigningKeys)
	if kid == "" {
		kid = info.SigningKeys[n-1].KID
	}
	i := slices.IndexFunc(info.SigningKeys, func(k SigningKey) bool { return k.KID == kid })
	if i < 0 {
		return CompromiseResult{}, fmt.Errorf("compromise key: %w: %s has no signing key %.80q", ErrNotFound, agencyID, kid)
	}
	now := s.cfg.Now().UTC().Truncate(time.Second)
	k := &info.SigningKeys[i]
	already := !k.Compromised.IsZero()
	if !already {
		k.Compromised = now
	}
	if k.NotAfter.IsZero() || k.NotAfter.After(now) {
		k.NotAfter = now
	}
	rotate := i == n-1
	if rotate {
		if n >= trust.MaxKeysPerIssuer {
			return CompromiseResult{}, fmt.Errorf("compromise key of %s: %w (%d keys)", agencyID, ErrNotCompromisable, n)
		}
		nk, err := s.cfg.Keys.Key(signingKeyName(agencyID, n), alg)
		if err != nil {
			return CompromiseResult{}, fmt.Errorf("compromise key of %s: %w", agencyID, err)
		}
		pub, _ := nk.Public().MarshalJSON()
		info.SigningKeys = append(info.SigningKeys, SigningKey{KID: nk.KID(), Public: pub, NotBefore: s.cfg.KeysNotBefore})
	}
	res := CompromiseResult{Agency: agencyID, Compromised: info.SigningKeys[i], Current: info.SigningKeys[len(info.SigningKeys)-1]}
	if already && !rotate {
		return res, nil
	}
	if err := s.st.PutAgency(ctx, info); err != nil {
		return CompromiseResult{}, fmt.Errorf("compromise key of %s: %w", agencyID, err)
	}
	if err := s.bumpTrustVersion(ctx); err != nil {
		return CompromiseResult{}, fmt.Errorf("compromise key of %s: %w", agencyID, err)
	}
	if err := s.audit(ctx, actor, "agency-key-compromise", agencyID, map[string]any{
		"kid": kid, "compromised_at": res.Compromised.Compromised.Format(time.RFC3339), "new_kid": res.Current.KID, "rotated": rotate,
	}); err != nil {
		return CompromiseResult{}, err
	}
	return res, s.reload(ctx)
}

// compromiseRequest is the admin API body of a key compromise.
type compromiseRequest struct {
	KID string `json:"kid,omitempty"` // "" for the agency's current key
}

func (s *Server) handleCompromiseKey(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, 4<<10)
	if err != nil {
		adminError(w, r, err)
		return
	}
	var req compromiseRequest
	if len(body) > 0 {
		if err := decodeStrict(body, &req); err != nil {
			writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, "compromise: "+err.Error())
			return
		}
	}
	out, err := s.compromiseAgencyKeyAs(r.Context(), actorOf(principal(r)), r.PathValue("id"), req.KID, keys.ES256)
	if err != nil {
		adminError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, out)
}
