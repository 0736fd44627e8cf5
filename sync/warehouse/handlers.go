package warehouse

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/vnwallet/citizenwallet/crypto/consent"
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
	m.HandleFunc("POST "+protocol.PathRedeem, s.handleRedeem)
	m.HandleFunc("GET "+protocol.PathRevocationList, s.handleRevocationList)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, protocol.ErrCodeNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	s.mux = m
}

// Handler serves the wallet-facing protocol (sync/protocol).
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) handleTrustList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, r, http.StatusOK, protocol.TrustListResponse{TrustList: s.TrustList()})
}

// handleEnrol binds a device key to a citizen with a single-use code.
func (s *Server) handleEnrol(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		writeError(w, r, http.StatusRequestEntityTooLarge, protocol.ErrCodeBadRequest, err.Error())
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
	dev := device{ID: pub.KID(), CitizenID: req.CitizenID, Key: minJWK, Label: req.Label, EnrolledAt: s.cfg.Now().UTC()}
	code := normaliseCode(req.Code)
	err = s.db.Update(func(txn *badger.Txn) error {
		var c enrolCode
		if err := getJSON(txn, key(kCode, code), &c); err != nil {
			return errBadCode
		}
		// The same answer for an unknown code, a used one, an expired one
		// and another citizen's, so the endpoint tells a guesser nothing.
		if !c.UsedAt.IsZero() || !s.cfg.Now().Before(c.Expires) || c.CitizenID != req.CitizenID {
			return errBadCode
		}
		var other device
		if err := getJSON(txn, key(kDevice, dev.ID), &other); err == nil && other.CitizenID != dev.CitizenID {
			return errKeyInUse
		}
		c.UsedAt, c.Device = dev.EnrolledAt, dev.ID
		if err := setJSON(txn, key(kCode, code), c); err != nil {
			return err
		}
		return setJSON(txn, key(kDevice, dev.ID), dev)
	})
	switch {
	case errors.Is(err, errBadCode) || errors.Is(err, badger.ErrConflict):
		writeError(w, r, http.StatusForbidden, protocol.ErrCodeBadCode, "the enrolment code is unknown, used, expired or not this citizen's")
		return
	case errors.Is(err, errKeyInUse):
		writeError(w, r, http.StatusConflict, protocol.ErrCodeBadRequest, "this device key is enrolled for another citizen; make a new key")
		return
	case err != nil:
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "enrol")
		return
	}
	writeJSON(w, r, http.StatusOK, protocol.EnrolResponse{
		DeviceID: dev.ID, CitizenID: dev.CitizenID, Province: s.cfg.Source.Province(), TrustList: s.TrustList(),
	})
}

var (
	errBadCode  = errors.New("bad enrolment code")
	errKeyInUse = errors.New("device key enrolled for another citizen")
)

// codeAlphabet is Crockford's base32 without I, L, O, U: easy to read
// aloud and to type.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// normaliseCode uppercases a typed code and drops separators.
func normaliseCode(c string) string {
	c = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(c))
	if len(c) > 64 {
		return ""
	}
	return c
}

// EnrolmentCode makes a single-use enrolment code for a citizen of the
// province (standing in for a VNeID level-2 login at enrolment): 10
// characters (50 bits) in Crockford base32, shown as XXXXX-XXXXX, valid
// for Config.CodeTTL.
func (s *Server) EnrolmentCode(citizenID string) (string, error) {
	err := s.db.View(func(txn *badger.Txn) error {
		_, err := s.citizenIndex(txn, citizenID)
		return err
	})
	if err != nil {
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
	c := enrolCode{CitizenID: citizenID, Expires: s.cfg.Now().Add(s.cfg.CodeTTL).UTC()}
	if err := s.db.Update(func(txn *badger.Txn) error { return setJSON(txn, key(kCode, code), c) }); err != nil {
		return "", fmt.Errorf("enrolment code: %w", err)
	}
	return code[:5] + "-" + code[5:], nil
}

// handleRevocations stores the citizen's consent revocations. A consent
// id revoked before keeps its first revocation (idempotent uploads).
func (s *Server) handleRevocations(w http.ResponseWriter, r *http.Request, dev *device, body []byte) {
	var req protocol.RevocationsRequest
	if err := decodeStrict(body, &req); err != nil {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, "revocations: "+err.Error())
		return
	}
	if len(req.Revocations) > 1000 {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, "at most 1000 revocations per request")
		return
	}
	for _, rv := range req.Revocations {
		if rv.ConsentID == "" || len(rv.ConsentID) > 200 || strings.ContainsRune(rv.ConsentID, 0) || rv.RevokedAt.IsZero() {
			writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, "each revocation needs a consent id (1-200 bytes) and a time")
			return
		}
	}
	now := s.cfg.Now().UTC()
	err := s.db.Update(func(txn *badger.Txn) error {
		for _, rv := range req.Revocations {
			k := key(kRevoked, rv.ConsentID)
			var old revocation
			if err := getJSON(txn, k, &old); err == nil {
				continue
			}
			if err := setJSON(txn, k, revocation{CitizenID: dev.CitizenID, RevokedAt: rv.RevokedAt.UTC(), Received: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "store revocations")
		return
	}
	writeJSON(w, r, http.StatusOK, protocol.RevocationsResponse{Accepted: len(req.Revocations)})
}

// handleRevocationList serves the consent ids revoked within the longest
// consent lifetime (plus skew), for counters to cache.
func (s *Server) handleRevocationList(w http.ResponseWriter, r *http.Request) {
	now := s.cfg.Now().UTC()
	since := now.Add(-consent.MaxLifetime - s.cfg.ClockSkew)
	resp := protocol.RevocationListResponse{AsOf: now.Truncate(time.Second), Revoked: []string{}}
	err := s.db.View(func(txn *badger.Txn) error {
		prefix := []byte(kRevoked)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var rv revocation
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &rv) }); err != nil {
				return err
			}
			if rv.RevokedAt.After(since) {
				resp.Revoked = append(resp.Revoked, string(it.Item().Key()[len(prefix):]))
			}
		}
		return nil
	})
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "revocations")
		return
	}
	writeJSON(w, r, http.StatusOK, resp)
}

// Revoked reports whether a consent was revoked by its citizen.
func (s *Server) Revoked(consentID string) (bool, error) {
	err := s.db.View(func(txn *badger.Txn) error {
		var rv revocation
		return getJSON(txn, key(kRevoked, consentID), &rv)
	})
	if errors.Is(err, errNotFound) {
		return false, nil
	}
	return err == nil, err
}

// RecordAccess appends a use of a consent to its citizen's access log,
// which the wallet downloads at its next sync.
func (s *Server) RecordAccess(citizenID string, e protocol.AccessEntry) (protocol.AccessEntry, error) {
	prefix := append(key(kAccess, citizenID), 0)
	err := s.db.Update(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
		defer it.Close()
		it.Seek(append(prefix, 0xff))
		e.Seq = 1
		if it.ValidForPrefix(prefix) {
			e.Seq = int64(binary.BigEndian.Uint64(it.Item().Key()[len(prefix):])) + 1
		}
		return setJSON(txn, seqKey(kAccess, citizenID, e.Seq), e)
	})
	if err != nil {
		return e, fmt.Errorf("record access: %w", err)
	}
	return e, nil
}

// handleAccessLog serves the citizen's access log from the cursor (the
// last seq the client has).
func (s *Server) handleAccessLog(w http.ResponseWriter, r *http.Request, dev *device, _ []byte) {
	limit, err := parseLimit(r.URL.Query().Get("limit"))
	if err != nil {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, err.Error())
		return
	}
	from, err := parseCursor(r.URL.Query().Get("cursor"), 1<<62)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadCursor, err.Error())
		return
	}
	resp := protocol.AccessLogResponse{Entries: []protocol.AccessEntry{}, NextCursor: strconv.FormatInt(from, 10)}
	prefix := append(key(kAccess, dev.CitizenID), 0)
	err = s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
		defer it.Close()
		for it.Seek(seqKey(kAccess, dev.CitizenID, from+1)); it.ValidForPrefix(prefix); it.Next() {
			if len(resp.Entries) == limit {
				resp.More = true
				return nil
			}
			var e protocol.AccessEntry
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &e) }); err != nil {
				return err
			}
			resp.Entries = append(resp.Entries, e)
			resp.NextCursor = strconv.FormatInt(e.Seq, 10)
		}
		return nil
	})
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "read the access log")
		return
	}
	writeJSON(w, r, http.StatusOK, resp)
}
