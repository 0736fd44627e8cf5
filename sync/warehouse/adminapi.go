package warehouse

import (
	"encoding/json"
	"errors"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"net/http"
	"strconv"
	"time"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Admin API paths. The admin API serves the province's operators, the
// agencies' staff and the commune offices (AdminConfig, the roles in
// adminauth.go); cmd/warehouse serves it on loopback only.
const (
	AdminPathCitizens = "/admin/v1/citizens"
	AdminPathRootKey  = "/admin/v1/root-key"
	AdminPathAgencies = "/admin/v1/agencies"
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

// AdminHandler serves the admin API to the holders of cfg's tokens
// (Authorization: Bearer), for cfg's hosts, never to a web page (a
// request with an Origin is refused); each endpoint names the roles that
// may call it:
//
//	GET  /admin/v1/root-key                              any       the root public JWK
//	GET  /admin/v1/citizens?after=ID&limit=N             operator  citizens' profiles, by number
//	GET  /admin/v1/citizens/{id}                         operator  a citizen and their records
//	                                                     agency    … the agency's records only
//	POST /admin/v1/citizens/{id}/enrolment-code          operator  a single-use code
//	                                                     commune   … for a citizen residing in the commune
//	POST /admin/v1/citizens/{id}/records                 agency    issue or correct its record (body: a wallet.Record)
//	POST /admin/v1/citizens/{id}/records/{rid}/withdraw  agency    withdraw its record
//	GET  /admin/v1/citizens/{id}/devices                 operator  a citizen's devices
//	POST /admin/v1/citizens/{id}/devices/{dev}/revoke    operator  disable a lost device
//	POST /admin/v1/agencies/{id}/rotate-key              operator  a new signing key for the agency (ES256)
//	POST /admin/v1/agencies/{id}/compromise-key          operator  mark a key compromised (body {"kid": …}, or none
//	                                                               for the current key) and rotate; see CompromiseAgencyKey
//	GET  /admin/v1/offices                               any       the directory of offices (trust.Office)
//	PUT  /admin/v1/offices                               operator  replace it (body: a JSON array of trust.Office)
func (s *Server) AdminHandler(cfg AdminConfig) http.Handler {
	m := http.NewServeMux()
	any := []string{RoleOperator, RoleAgency, RoleCommune}
	m.HandleFunc("GET "+AdminPathRootKey, allow(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, r, http.StatusOK, s.RootKey())
	}, any...))
	m.HandleFunc("GET "+AdminPathCitizens, allow(func(w http.ResponseWriter, r *http.Request) {
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
	}, RoleOperator))
	m.HandleFunc("GET "+AdminPathCitizens+"/{id}", allow(func(w http.ResponseWriter, r *http.Request) {
		p, recs, err := s.Latest(r.PathValue("id"))
		if err != nil {
			adminError(w, r, err)
			return
		}
		if who := principal(r); who.Role == RoleAgency {
			mine := []wallet.Record{}
			for _, rec := range recs {
				if rec.Issuer == who.Agency {
					mine = append(mine, rec)
				}
			}
			recs = mine
		}
		writeJSON(w, r, http.StatusOK, CitizenResponse{Profile: p, Records: recs})
	}, RoleOperator, RoleAgency))
	m.HandleFunc("POST "+AdminPathCitizens+"/{id}/enrolment-code", allow(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if who := principal(r); who.Role == RoleCommune {
			ok, err := s.residesIn(r.Context(), id, who.Commune)
			if err != nil {
				adminError(w, r, err)
				return
			}
			if !ok {
				writeError(w, r, http.StatusForbidden, protocol.ErrCodeForbidden, "citizen "+id+" does not reside in "+who.Commune+": the commune office of their residence makes their code")
				return
			}
		}
		code, err := s.enrolmentCodeAs(r.Context(), actorOf(principal(r)), id)
		if err != nil {
			adminError(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusOK, CodeResponse{CitizenID: id, Code: code, Expires: s.cfg.Now().Add(s.cfg.CodeTTL).UTC()})
	}, RoleOperator, RoleCommune))
	m.HandleFunc("POST "+AdminPathCitizens+"/{id}/records", allow(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(w, r, protocol.MaxRequestBytes)
		if err != nil {
			adminError(w, r, err)
			return
		}
		var rec wallet.Record
		if err := json.Unmarshal(body, &rec); err != nil {
			writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, "record: "+err.Error())
			return
		}
		who := principal(r)
		if rec.Issuer == "" {
			rec.Issuer = who.Agency
		}
		if rec.Issuer != who.Agency {
			writeError(w, r, http.StatusForbidden, protocol.ErrCodeWrongIssuer, "the record names issuer "+rec.Issuer+"; "+who.Name+" acts for "+who.Agency)
			return
		}
		out, err := s.issueAs(r.Context(), actorOf(who), r.PathValue("id"), rec)
		if err != nil {
			adminError(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusOK, out)
	}, RoleAgency))
	m.HandleFunc("GET "+AdminPathCitizens+"/{id}/devices", allow(func(w http.ResponseWriter, r *http.Request) {
		out, err := s.Devices(r.PathValue("id"))
		if err != nil {
			adminError(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusOK, out)
	}, RoleOperator))
	m.HandleFunc("POST "+AdminPathCitizens+"/{id}/devices/{dev}/revoke", allow(func(w http.ResponseWriter, r *http.Request) {
		out, err := s.revokeDeviceAs(r.Context(), actorOf(principal(r)), r.PathValue("id"), r.PathValue("dev"))
		if err != nil {
			adminError(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusOK, out)
	}, RoleOperator))
	m.HandleFunc("POST "+AdminPathCitizens+"/{id}/records/{rid}/withdraw", allow(func(w http.ResponseWriter, r *http.Request) {
		_, recs, err := s.Latest(r.PathValue("id"))
		if err != nil {
			adminError(w, r, err)
			return
		}
		who := principal(r)
		for _, rec := range recs {
			if rec.ID == r.PathValue("rid") && rec.Issuer != who.Agency {
				writeError(w, r, http.StatusForbidden, protocol.ErrCodeWrongIssuer, "record "+rec.ID+" was issued by "+rec.Issuer+"; "+who.Name+" acts for "+who.Agency)
				return
			}
		}
		out, err := s.withdrawAs(r.Context(), actorOf(who), r.PathValue("id"), r.PathValue("rid"))
		if err != nil {
			adminError(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusOK, out)
	}, RoleAgency))
	m.HandleFunc("POST "+AdminPathAgencies+"/{id}/rotate-key", allow(func(w http.ResponseWriter, r *http.Request) {
		out, err := s.rotateAgencyKeyAs(r.Context(), actorOf(principal(r)), r.PathValue("id"), keys.ES256)
		if err != nil {
			adminError(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusOK, out)
	}, RoleOperator))
	m.HandleFunc("POST "+AdminPathAgencies+"/{id}/compromise-key", allow(s.handleCompromiseKey, RoleOperator))
	m.HandleFunc("GET "+AdminPathOffices, allow(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, r, http.StatusOK, nonNilOffices(s.Offices()))
	}, any...))
	m.HandleFunc("PUT "+AdminPathOffices, allow(s.putOffices, RoleOperator))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFoundOrMethod(m, w, r) })
	return guardAdmin(cfg, m)
}

// actorOf names an admin holder in the audit log: its role and name.
func actorOf(p AdminToken) string { return p.Role + ":" + p.Name }

func adminError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrUnknownCitizen), errors.Is(err, ErrNotFound), errors.Is(err, wallet.ErrNotFound):
		writeError(w, r, http.StatusNotFound, protocol.ErrCodeNotFound, err.Error())
	case errors.Is(err, wallet.ErrInvalid), errors.Is(err, wallet.ErrStaleVersion), errors.Is(err, ErrConflict):
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, err.Error())
	case errors.Is(err, errBodyTooLarge):
		writeError(w, r, http.StatusRequestEntityTooLarge, protocol.ErrCodeBadRequest, err.Error())
	default:
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "internal error")
	}
}
