package warehouse

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST "+protocol.PathEnrol, s.handleEnrol)
	m.HandleFunc("GET "+protocol.PathTrustList, s.handleTrustList)
	m.HandleFunc("GET "+protocol.PathChanges, s.deviceHandler(s.handleChanges))
	m.HandleFunc("POST "+protocol.PathRevocations, s.deviceHandler(s.handleRevocations))
	m.HandleFunc("GET "+protocol.PathAccessLog, s.deviceHandler(s.handleAccessLog))
	m.HandleFunc("POST "+protocol.PathReissue, s.deviceHandler(s.handleReissue))
	m.HandleFunc("POST "+protocol.PathRedeem, s.handleRedeem)
	m.HandleFunc("GET "+protocol.PathRevocationList, s.handleRevocationList)
	m.HandleFunc("POST "+protocol.PathIngest, s.handleIngest)
	m.HandleFunc("GET "+PathTypeMetadata+"{code}", s.handleTypeMetadata)
	m.HandleFunc("GET "+pathIssuerMetadata+"{agency}", s.handleIssuerMetadata)
	m.HandleFunc("GET "+PathStatusLists+"{agency}/{n}", s.handleStatusList)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFoundOrMethod(m, w, r) })
	s.mux = m
}

// notFoundOrMethod answers a request no pattern of m took: 405 with the
// methods the path takes (Allow), or 404.
func notFoundOrMethod(m *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = method
		if _, pattern := m.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, method)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, r, http.StatusMethodNotAllowed, protocol.ErrCodeMethod, r.Method+" "+r.URL.Path+": use "+strings.Join(allow, " or "))
		return
	}
	writeError(w, r, http.StatusNotFound, protocol.ErrCodeNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
}

// Handler serves the wallet-facing protocol (sync/protocol) and the
// agencies' ingestion API (protocol.PathIngest), at most
// Config.MaxInFlight requests at a time.
func (s *Server) Handler() http.Handler { return s.limit(s.mux) }

// limit lets at most cap(s.work) requests be worked on at once; the
// others wait for a turn, or for their client to give up. A request gives
// its turn back when its answer is ready (writeBody), before it is sent:
// a phone on a slow link reads its page without holding a turn.
func (s *Server) limit(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.work <- struct{}{}:
		case <-r.Context().Done():
			return
		}
		var once sync.Once
		release := func() { once.Do(func() { <-s.work }) }
		defer release()
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), releaseKey{}, release)))
	})
}

// releaseKey holds, in a request's context, the function that gives its
// turn back.
type releaseKey struct{}

// releaseTurn gives r's turn back (see limit); it is safe to call twice.
func releaseTurn(r *http.Request) {
	if f, ok := r.Context().Value(releaseKey{}).(func()); ok {
		f()
	}
}

func (s *Server) handleTrustList(w http.ResponseWriter, r *http.Request) {
	if s.TrustList() == "" {
		writeError(w, r, http.StatusServiceUnavailable, protocol.ErrCodeInternal, "the province has registered no agency yet")
		return
	}
	writeJSON(w, r, http.StatusOK, protocol.TrustListResponse{TrustList: s.TrustList()})
}

// handleEnrol binds a device key to a citizen with a single-use code.
func (s *Server) handleEnrol(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, 16<<10)
	if err != nil {
		writeAuthError(w, r, err)
		return
	}
	var req protocol.EnrolRequest
	if err := decodeStrict(body, &req); err != nil {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, "enrolment request: "+err.Error())
		return
	}
	if err := wallet.ValidateCitizenID(req.CitizenID); err != nil {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, err.Error())
		return
	}
	jwk, _ := json.Marshal(req.DeviceKey)
	pub, err := keys.ParsePublicJWK(jwk)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, "device key: "+err.Error())
		return
	}
	if len(req.Label) > 100 {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, "label longer than 100 bytes")
		return
	}
	minJWK, _ := pub.MarshalJSON()
	dev := Device{ID: pub.KID(), CitizenID: req.CitizenID, Key: minJWK, Label: req.Label, EnrolledAt: s.cfg.Now().UTC()}
	err = s.st.Enrol(r.Context(), codeHash(req.Code), dev)
	switch {
	case errors.Is(err, ErrBadCode):
		// The same answer for an unknown code, a used one, an expired one
		// and another citizen's, so the endpoint tells a guesser nothing.
		writeError(w, r, http.StatusForbidden, protocol.ErrCodeBadCode, "the enrolment code is unknown, used, expired or not this citizen's")
		return
	case errors.Is(err, ErrKeyInUse):
		writeError(w, r, http.StatusConflict, protocol.ErrCodeBadRequest, "this device key is enrolled for another citizen; make a new key")
		return
	case err != nil:
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "enrol")
		return
	}
	if err := s.audit(r.Context(), "device:"+dev.ID, "device-enrol", dev.CitizenID, map[string]any{"device": dev.ID}); err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "enrol")
		return
	}
	writeJSON(w, r, http.StatusOK, protocol.EnrolResponse{
		DeviceID: dev.ID, CitizenID: dev.CitizenID, Province: s.cfg.Province, TrustList: s.TrustList(),
	})
}

// codeAlphabet is Crockford's base32 without I, L, O, U: easy to read
// aloud and to type.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// codeHash is how a code is kept: the hex SHA-256 of the code as typed,
// upper-cased and without separators, so a copy of the store holds no
// usable code.
func codeHash(c string) string {
	c = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(c))
	if len(c) > 64 {
		c = ""
	}
	sum := sha256.Sum256([]byte("enrolment-code\x00" + c))
	return hex.EncodeToString(sum[:])
}

// EnrolmentCode makes a single-use enrolment code for a citizen of the
// province (standing in for a VNeID level-2 login at enrolment): 10
// characters (50 bits) in Crockford base32, shown as XXXXX-XXXXX, valid
// for Config.CodeTTL.
func (s *Server) EnrolmentCode(citizenID string) (string, error) {
	return s.enrolmentCodeAs(context.Background(), "system", citizenID)
}

// enrolmentCodeAs is EnrolmentCode by actor, audited ("enrolment-code":
// who made a code for whom, never the code); a code that could not be
// audited is not handed out.
func (s *Server) enrolmentCodeAs(ctx context.Context, actor, citizenID string) (string, error) {
	if _, _, err := s.st.Citizen(ctx, citizenID); err != nil {
		return "", fmt.Errorf("enrolment code: %w", err)
	}
	var b strings.Builder
	for i := 0; i < 10; i++ {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(codeAlphabet))))
		if err != nil {
			return "", err
		}
		b.WriteByte(codeAlphabet[n.Int64()])
	}
	code := b.String()
	c := Code{Hash: codeHash(code), CitizenID: citizenID, Expires: s.cfg.Now().Add(s.cfg.CodeTTL).UTC()}
	if err := s.st.PutCode(ctx, c); err != nil {
		return "", fmt.Errorf("enrolment code: %w", err)
	}
	if err := s.audit(ctx, actor, "enrolment-code", citizenID, map[string]any{"expires": c.Expires}); err != nil {
		return "", err
	}
	return code[:5] + "-" + code[5:], nil
}

// RecordAccess appends a use of a consent to its citizen's access log,
// which the wallet downloads at its next sync.
func (s *Server) RecordAccess(citizenID string, e protocol.AccessEntry) (protocol.AccessEntry, error) {
	e, err := s.st.Redeem(context.Background(), citizenID, false, e)
	if err != nil {
		return e, fmt.Errorf("record access: %w", err)
	}
	return e, nil
}

// handleAccessLog serves the citizen's access log from the cursor (the
// last seq the client has).
func (s *Server) handleAccessLog(w http.ResponseWriter, r *http.Request, dev *Device, _ []byte) {
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
	entries, more, err := s.st.AccessLog(r.Context(), dev.CitizenID, from, limit)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "read the access log")
		return
	}
	resp := protocol.AccessLogResponse{Entries: entries, NextCursor: strconv.FormatInt(from, 10), More: more}
	if resp.Entries == nil {
		resp.Entries = []protocol.AccessEntry{}
	}
	if n := len(entries); n > 0 {
		resp.NextCursor = strconv.FormatInt(entries[n-1].Seq, 10)
	}
	writeJSON(w, r, http.StatusOK, resp)
}
