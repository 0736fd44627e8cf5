package warehouse

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/protocol"
)

// Consent revocations (docs/threat-model.md, "Revocations").
//
// A device uploads a revocation with the part of the token it signed
// when the consent was given (the proof). It is accepted only when one
// of the same citizen's devices signed that proof, for that consent id,
// at a time between the consent's issue and now; it is stored under
// consent.RevocationIDOf(signing key, consent id), so it can only ever
// match that device's token, and it is dropped when the consent
// expires (at most consent.MaxLifetime after it was given). Each citizen
// has at most RevocationLimits.Live unexpired revocations and
// RevocationLimits.PerHour new ones an hour: the list a counter holds is
// bounded by what can still be presented.

// Default revocation limits of one citizen.
const (
	DefaultLiveRevocations    = 200
	DefaultRevocationsPerHour = 30
	// DefaultRevocationListTTL is how long counters wait between fetches
	// of the revocation list (the list's next update).
	DefaultRevocationListTTL = time.Hour
)

// revocationKeyName is the KeyStore name of the key the root delegates
// revocation lists to (listed in the trust list's revocation keys).
const revocationKeyName = "revocation-list"

// handleRevocations stores the citizen's consent revocations, each
// checked against its proof; the results say what became of each.
func (s *Server) handleRevocations(w http.ResponseWriter, r *http.Request, dev *Device, body []byte) {
	var req protocol.RevocationsRequest
	if err := decodeStrict(body, &req); err != nil {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, "revocations: "+err.Error())
		return
	}
	if len(req.Revocations) > protocol.MaxRevocationsPerRequest {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, fmt.Sprintf("at most %d revocations per request", protocol.MaxRevocationsPerRequest))
		return
	}
	devices, err := s.st.Devices(r.Context(), dev.CitizenID)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "devices")
		return
	}
	// The citizen's devices, disabled ones included: a consent given on
	// a phone since lost is still theirs to revoke.
	lookup := func(kid string, _ keys.Alg) (*keys.PublicKey, error) {
		for _, d := range devices {
			if d.ID == kid {
				return keys.ParsePublicJWK(d.Key)
			}
		}
		return nil, errors.New("not a device of this citizen")
	}
	now := s.cfg.Now().UTC()
	resp := protocol.RevocationsResponse{Results: make([]protocol.RevocationResult, len(req.Revocations))}
	var rs []Revocation
	for i, rv := range req.Revocations {
		res, rev := s.checkRevocation(rv, lookup, dev.CitizenID, now)
		resp.Results[i] = res
		if rev != nil {
			rs = append(rs, *rev)
		}
		if res.Status != protocol.RevocationRefused {
			resp.Accepted++
		}
	}
	if len(rs) > 0 {
		_, err := s.st.PutRevocations(r.Context(), dev.CitizenID, rs, s.cfg.RevocationLimits, now)
		switch {
		case errors.Is(err, ErrTooMany):
			w.Header().Set("Retry-After", "3600")
			writeError(w, r, http.StatusTooManyRequests, protocol.ErrCodeTooMany,
				fmt.Sprintf("a citizen may hold %d revocations of unexpired consents and make %d an hour", s.cfg.RevocationLimits.Live, s.cfg.RevocationLimits.PerHour))
			return
		case err != nil:
			writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "store revocations")
			return
		}
	}
	writeJSON(w, r, http.StatusOK, resp)
}

// checkRevocation checks one revocation: the result for the device and,
// when there is something to store, the revocation.
func (s *Server) checkRevocation(rv protocol.Revocation, lookup keys.Lookup, citizenID string, now time.Time) (protocol.RevocationResult, *Revocation) {
	res := protocol.RevocationResult{ConsentID: rv.ConsentID, Status: protocol.RevocationRefused, Code: protocol.ErrCodeBadRequest}
	if rv.ConsentID == "" || len(rv.ConsentID) > 200 || rv.RevokedAt.IsZero() {
		res.Message = "a revocation needs a consent id (1-200 bytes), a time and a proof"
		return res, nil
	}
	p, err := consent.VerifyProof(rv.Proof, lookup)
	if err != nil {
		res.Code, res.Message = protocol.ErrCodeBadProof, err.Error()
		return res, nil
	}
	at := rv.RevokedAt.UTC()
	skew := s.cfg.ClockSkew
	switch {
	case p.ConsentID != rv.ConsentID:
		res.Code, res.Message = protocol.ErrCodeBadProof, "the proof is of another consent"
		return res, nil
	case at.After(now.Add(skew)):
		res.Message = fmt.Sprintf("revoked at %s: in the future", at.Format(time.RFC3339))
		return res, nil
	case at.Before(p.IssuedAt.Add(-skew)):
		res.Message = fmt.Sprintf("revoked at %s, before the consent was given (%s)", at.Format(time.RFC3339), p.IssuedAt.Format(time.RFC3339))
		return res, nil
	case !p.Expires.After(now):
		return protocol.RevocationResult{ConsentID: rv.ConsentID, Status: protocol.RevocationExpired}, nil
	}
	return protocol.RevocationResult{ConsentID: rv.ConsentID, Status: protocol.RevocationListed}, &Revocation{
		ID: consent.RevocationIDOf(p.Holder, p.ConsentID).String(), ConsentID: p.ConsentID, CitizenID: citizenID, Device: p.Holder,
		Audience: p.Audience, Listed: !p.Online, GivenAt: p.IssuedAt, RevokedAt: at, Expires: p.Expires, Received: now,
	}
}

// handleRevocationList serves one signed page of the revocation list of
// the consents for one recipient (?aud=) after a version (?since=).
func (s *Server) handleRevocationList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	aud := q.Get("aud")
	if aud == "" || len(aud) > 200 {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, "aud (the counter's agency id) is required")
		return
	}
	since := int64(0)
	if v := q.Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadCursor, "since must be a list version (0 or more)")
			return
		}
		since = n
	}
	now := s.cfg.Now().UTC().Truncate(time.Second)
	entries, head, err := s.st.RevokedSince(r.Context(), aud, since, now, consent.MaxRevocationPage+1)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "revocations")
		return
	}
	if since > head {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadCursor, fmt.Sprintf("version %d is ahead of this warehouse's list (%d): fetch from 0", since, head))
		return
	}
	l := consent.RevocationList{Province: s.cfg.Province, Audience: aud, IssuedAt: now, NextUpdate: now.Add(s.cfg.RevocationListTTL),
		Since: since, Version: head}
	if len(entries) > consent.MaxRevocationPage {
		entries = entries[:consent.MaxRevocationPage]
		l.More, l.Version = true, entries[len(entries)-1].Seq
	}
	for _, e := range entries {
		id, err := consent.ParseRevocationID(e.ID)
		if err != nil {
			writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "a stored revocation id is damaged")
			return
		}
		l.Entries = append(l.Entries, consent.RevokedConsent{ID: id, Expires: e.Expires})
	}
	signed, err := consent.SignRevocationList(l, s.revKey)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "sign the revocation list")
		return
	}
	writeJSON(w, r, http.StatusOK, protocol.RevocationListResponse{List: signed})
}

// Revoked reports whether a device's consent (by its consent id) was revoked.
func (s *Server) Revoked(ctx context.Context, device, consentID string) (bool, error) {
	_, err := s.st.Revocation(ctx, consent.RevocationIDOf(device, consentID).String())
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
