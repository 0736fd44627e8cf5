package warehouse

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

var (
	errUnknownDevice = errors.New("the token is signed by no enrolled device")
	errDeviceOff     = errors.New("the token's device was disabled")
)

// handleRedeem serves an online consent token to a counter: the device
// that signed it must be enrolled; the counter must be its audience; it
// must be in time, not revoked, and (when single use) not redeemed
// before; every scoped record must be the citizen's and still active.
// The answer holds each record's credential with only the scoped claims
// disclosed, and the use goes into the citizen's access log.
func (s *Server) handleRedeem(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, 64<<10)
	if err != nil {
		writeAuthError(w, r, err)
		return
	}
	var req protocol.RedeemRequest
	if err := decodeStrict(body, &req); err != nil {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, "redeem request: "+err.Error())
		return
	}
	var dev Device
	lookup := func(kid string, _ keys.Alg) (*keys.PublicKey, error) {
		d, err := s.st.Device(r.Context(), kid)
		if err != nil {
			return nil, errUnknownDevice
		}
		dev = d
		if !dev.RevokedAt.IsZero() {
			return nil, errDeviceOff
		}
		return keys.ParsePublicJWK(dev.Key)
	}
	now := s.cfg.Now()
	ref, err := consent.VerifyReference(req.Token, lookup, now, s.cfg.ClockSkew)
	switch {
	case errors.Is(err, consent.ErrExpired), errors.Is(err, consent.ErrNotYetValid):
		writeError(w, r, http.StatusForbidden, protocol.ErrCodeExpired, err.Error())
		return
	case errors.Is(err, errDeviceOff):
		writeError(w, r, http.StatusUnauthorized, protocol.ErrCodeDeviceOff, "the device that made this token was disabled")
		return
	case errors.Is(err, errUnknownDevice), errors.Is(err, consent.ErrForged):
		writeError(w, r, http.StatusUnauthorized, protocol.ErrCodeUnauthorized, err.Error())
		return
	case err != nil:
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, err.Error())
		return
	}
	if req.Counter.Agency != ref.Audience {
		writeError(w, r, http.StatusForbidden, protocol.ErrCodeAudience, fmt.Sprintf("the consent is for %s, not %s", ref.Audience, req.Counter.Agency))
		return
	}
	if revoked, err := s.Revoked(r.Context(), ref.Device, ref.ID); err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "revocations")
		return
	} else if revoked {
		writeError(w, r, http.StatusGone, protocol.ErrCodeRevoked, "the citizen revoked this consent")
		return
	}
	holder, _ := keys.ParsePublicJWK(dev.Key)
	latest, err := s.st.Latest(r.Context(), dev.CitizenID)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "records")
		return
	}
	resp := protocol.RedeemResponse{ConsentID: ref.ID}
	var fields []string
	for _, it := range ref.Scope {
		i := slices.IndexFunc(latest, func(rec wallet.Record) bool { return rec.ID == it.RecordID })
		if i < 0 || latest[i].Status != wallet.StatusActive {
			writeError(w, r, http.StatusGone, protocol.ErrCodeNotFound, fmt.Sprintf("record %s is not (or no longer) the citizen's active record", it.RecordID))
			return
		}
		creds, err := s.credentials(r.Context(), &dev, holder, latest[i:i+1])
		if err != nil {
			writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "issue records")
			return
		}
		// The scope's claims, the record id (the scope names the record to
		// the counter already, which checks the fields against it), and
		// the objects that hold them.
		cred, err := sdjwt.Disclose(creds[0], append(slices.Clone(it.Claims), credential.ClaimRecordID))
		if err != nil {
			writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, fmt.Sprintf("record %s: %v", it.RecordID, err))
			return
		}
		resp.Credentials = append(resp.Credentials, cred)
		fields = append(fields, it.Claims...)
	}
	// The single use and the citizen's access log in one transaction: of
	// concurrent redemptions of a single-use token exactly one gets the
	// data, and every use that got it is in the log.
	_, err = s.st.Redeem(r.Context(), dev.CitizenID, ref.SingleUse, protocol.AccessEntry{ConsentID: ref.ID, UsedAt: now.UTC().Truncate(1e9), Counter: req.Counter, Fields: fields})
	if errors.Is(err, ErrUsed) {
		writeError(w, r, http.StatusConflict, protocol.ErrCodeUsed, "this single-use consent was redeemed before")
		return
	}
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "redeem")
		return
	}
	writeJSON(w, r, http.StatusOK, resp)
}
