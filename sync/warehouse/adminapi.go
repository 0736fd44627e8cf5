package warehouse

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Admin API paths. The admin API stands in for the agencies' own systems
// and the VNeID login; serve it only on loopback (cmd/warehouse does).
const (
	AdminPathCitizens = "/admin/v1/citizens"
	AdminPathRootKey  = "/admin/v1/root-key"
)

// CodeResponse answers an enrolment-code request.
type CodeResponse struct {
	CitizenID string    `json:"citizen_id"`
	Code      string    `json:"code"`
	Expires   time.Time `json:"expires"`
}

// CitizenResponse is a citizen with the latest version of each record.
type CitizenResponse struct {
	Profile wallet.Profile  `json:"profile"`
	Records []wallet.Record `json:"records"`
}

// AdminHandler serves the admin API:
//
//	GET  /admin/v1/root-key                                  the root public JWK
//	GET  /admin/v1/citizens?after=ID&limit=N                 citizens' profiles, by number
//	GET  /admin/v1/citizens/{id}                             a citizen and their records
//	POST /admin/v1/citizens/{id}/enrolment-code              a single-use code
//	POST /admin/v1/citizens/{id}/records                     issue or correct (body: a wallet.Record)
//	POST /admin/v1/citizens/{id}/records/{rid}/withdraw      withdraw a record
func (s *Server) AdminHandler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET "+AdminPathRootKey, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, r, http.StatusOK, s.RootKey())
	})
	m.HandleFunc("GET "+AdminPathCitizens, func(w http.ResponseWriter, r *http.Request) {
		limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
		if err != nil || limit <= 0 || limit > 1000 {
			limit = 20
		}
		out, err := s.Citizens(r.URL.Query().Get("after"), limit)
		if err != nil {
			adminError(w, r, err)
			return
		}
		if out == nil {
			out = []wallet.Profile{}
		}
		writeJSON(w, r, http.StatusOK, out)
	})
	m.HandleFunc("GET "+AdminPathCitizens+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		p, recs, err := s.Latest(r.PathValue("id"))
		if err != nil {
			adminError(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusOK, CitizenResponse{Profile: p, Records: recs})
	})
	m.HandleFunc("POST "+AdminPathCitizens+"/{id}/enrolment-code", func(w http.ResponseWriter, r *http.Request) {
		code, err := s.EnrolmentCode(r.PathValue("id"))
		if err != nil {
			adminError(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusOK, CodeResponse{CitizenID: r.PathValue("id"), Code: code, Expires: s.cfg.Now().Add(s.cfg.CodeTTL).UTC()})
	})
	m.HandleFunc("POST "+AdminPathCitizens+"/{id}/records", func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(w, r, protocol.MaxRequestBytes)
		if err != nil {
			adminError(w, r, err)
			return
		}
		var rec wallet.Record
		if err := json.Unmarshal(body, &rec); err != nil {
			writeError(w, r, http.StatusBadRequest, "bad_request", "record: "+err.Error())
			return
		}
		out, err := s.Issue(r.PathValue("id"), rec)
		if err != nil {
			adminError(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusOK, out)
	})
	m.HandleFunc("GET "+AdminPathCitizens+"/{id}/devices", func(w http.ResponseWriter, r *http.Request) {
		out, err := s.Devices(r.PathValue("id"))
		if err != nil {
			adminError(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusOK, out)
	})
	m.HandleFunc("POST "+AdminPathCitizens+"/{id}/devices/{dev}/revoke", func(w http.ResponseWriter, r *http.Request) {
		out, err := s.RevokeDevice(r.PathValue("id"), r.PathValue("dev"))
		if err != nil {
			adminError(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusOK, out)
	})
	m.HandleFunc("POST "+AdminPathCitizens+"/{id}/records/{rid}/withdraw", func(w http.ResponseWriter, r *http.Request) {
		out, err := s.Withdraw(r.PathValue("id"), r.PathValue("rid"))
		if err != nil {
			adminError(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusOK, out)
	})
	return m
}

func adminError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrUnknownCitizen), errors.Is(err, ErrNotFound), errors.Is(err, wallet.ErrNotFound):
		writeError(w, r, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, wallet.ErrInvalid), errors.Is(err, wallet.ErrStaleVersion), errors.Is(err, ErrConflict):
		writeError(w, r, http.StatusBadRequest, "bad_request", err.Error())
	default:
		writeError(w, r, http.StatusInternalServerError, "internal", err.Error())
	}
}
