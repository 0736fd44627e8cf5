package warehouse

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// MetaOffices names the Store meta value that holds the province's
// directory of offices (trust.List.Offices): a JSON array of
// trust.Office, written by SetOffices. Absent until the first directory
// is set.
const MetaOffices = "offices"

// AdminPathOffices is the admin API path of the directory of offices.
const AdminPathOffices = "/admin/v1/offices"

// maxOfficesBody bounds a PUT of the directory: far more than a list
// that fits one signed trust list (keys.MaxJWSSize), pretty-printed.
const maxOfficesBody = 1 << 20

// OfficeLister is a Dataset that also lists the province's offices (the
// recipients a citizen picks by name: commune People's Committees,
// commune police, schools ...). Load sets them when the store has no
// directory yet.
type OfficeLister interface {
	Offices() []trust.Office
}

// Offices returns the province's directory of offices, as the current
// trust list carries it (empty when none was set).
func (s *Server) Offices() []trust.Office {
	s.refresh(context.Background(), false)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.offices)
}

// SetOffices replaces the province's directory of offices: they are
// checked as the trust list checks them (trust.ValidateOffices: unique
// ids, a Vietnamese name, a known kind, at most trust.MaxOffices) and
// must leave the signed trust list within keys.MaxJWSSize, else the
// error matches wallet.ErrInvalid and nothing changes. The directory is
// stored in the Store (MetaOffices), the trust list gets a new version
// that carries it, and the change is audited (who and how many offices).
// Every process serves it from its next trust-version refresh.
func (s *Server) SetOffices(ctx context.Context, offices []trust.Office) error {
	return s.setOfficesAs(ctx, "system", offices)
}

func (s *Server) setOfficesAs(ctx context.Context, actor string, offices []trust.Office) error {
	if err := trust.ValidateOffices(offices); err != nil {
		return fmt.Errorf("set offices: %w: %w", wallet.ErrInvalid, err)
	}
	if offices == nil {
		offices = []trust.Office{}
	}
	if err := s.refresh(ctx, true); err != nil {
		return fmt.Errorf("set offices: %w", err)
	}
	// The list with these offices must still sign (fit one JWS).
	s.mu.RLock()
	held := s.trustList
	s.mu.RUnlock()
	if held != nil {
		l := *held
		l.Offices = offices
		if _, err := trust.Sign(l, s.root); errors.Is(err, keys.ErrTooLarge) {
			return fmt.Errorf("set offices: %w: the trust list with these %d offices is larger than one signed list holds (%d bytes); list fewer", wallet.ErrInvalid, len(offices), keys.MaxJWSSize)
		} else if err != nil {
			return fmt.Errorf("set offices: %w", err)
		}
	}
	b, err := json.Marshal(offices)
	if err != nil {
		return fmt.Errorf("set offices: %w", err)
	}
	if err := s.st.PutMeta(ctx, MetaOffices, b); err != nil {
		return fmt.Errorf("set offices: %w", err)
	}
	if err := s.bumpTrustVersion(ctx); err != nil {
		return fmt.Errorf("set offices: %w", err)
	}
	if err := s.audit(ctx, actor, "offices-set", s.cfg.Province, map[string]any{"offices": len(offices)}); err != nil {
		return err
	}
	return s.reload(ctx)
}

// storedOffices reads the directory from the store (nil when none was
// set).
func (s *Server) storedOffices(ctx context.Context) ([]trust.Office, bool, error) {
	b, err := s.st.Meta(ctx, MetaOffices)
	if errors.Is(err, ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("offices: %w", err)
	}
	var out []trust.Office
	if err := keys.DecodeStrict(b, &out); err != nil {
		return nil, false, fmt.Errorf("offices: the stored directory: %w", err)
	}
	return out, true, nil
}

// loadOffices sets d's offices, if it lists any, when the store has no
// directory yet.
func (s *Server) loadOffices(ctx context.Context, d Dataset) error {
	ol, ok := d.(OfficeLister)
	if !ok {
		return nil
	}
	if _, have, err := s.storedOffices(ctx); err != nil || have {
		return err
	}
	offices := ol.Offices()
	if len(offices) == 0 {
		return nil
	}
	return s.SetOffices(ctx, offices)
}

// putOffices serves PUT /admin/v1/offices: the body is the whole
// directory, a JSON array of offices.
func (s *Server) putOffices(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, maxOfficesBody)
	if err != nil {
		adminError(w, r, err)
		return
	}
	var offices []trust.Office
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '[' {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, "offices: the body must be a JSON array of offices ({\"id\", \"name\": {\"vi\", \"en\"}, \"kind\"})")
		return
	}
	if err := decodeStrict(body, &offices); err != nil {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, "offices: "+err.Error())
		return
	}
	if err := s.setOfficesAs(r.Context(), actorOf(principal(r)), offices); err != nil {
		adminError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, nonNilOffices(s.Offices()))
}

// nonNilOffices is offices, or an empty slice (JSON []) for nil.
func nonNilOffices(offices []trust.Office) []trust.Office {
	if offices == nil {
		return []trust.Office{}
	}
	return offices
}
