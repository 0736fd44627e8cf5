package warehouse

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/protocol"
)

// writeBody writes a JSON body, gzip'ed when the request accepts gzip and
// the body is worth compressing.
func writeBody(w http.ResponseWriter, r *http.Request, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Accept-Encoding")
	if len(b) > 512 && acceptsGzip(r) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		h.Set("Content-Encoding", "gzip")
		b = buf.Bytes()
	}
	w.WriteHeader(status)
	w.Write(b)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// readBody reads a request body of at most protocol.MaxRequestBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, protocol.MaxRequestBytes))
	if err != nil {
		return nil, fmt.Errorf("request body: %w", err)
	}
	return b, nil
}

// decodeStrict decodes one JSON object, refusing unknown members and
// trailing data.
func decodeStrict(b []byte, v any) error {
	if err := keys.CheckJSON(b); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON object")
	}
	return nil
}

// authError is a refused device request.
type authError struct {
	code string
	msg  string
}

func (e *authError) Error() string { return e.msg }

func unauthorized(format string, a ...any) error {
	return &authError{protocol.ErrCodeUnauthorized, fmt.Sprintf(format, a...)}
}

// authenticate checks a device-signed request (protocol.RequestClaims)
// and returns the enrolled device. body is the request body already read
// (nil for none). The order of checks: the header's form; the JWS under
// the key of the device its kid names (so an unknown, unsigned or
// wrongly signed request fails before anything else); the claims against
// this request; the clock; and last the replay cache, which records the id
// only for a request that passed everything else.
func (s *Server) authenticate(r *http.Request, body []byte) (*device, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || scheme != protocol.AuthScheme || token == "" {
		return nil, unauthorized("missing %q authorization", protocol.AuthScheme)
	}
	var dev device
	lookup := func(kid string, alg keys.Alg) (*keys.PublicKey, error) {
		err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, key(kDevice, kid), &dev) })
		if err != nil {
			return nil, fmt.Errorf("device %q is not enrolled", kid)
		}
		return keys.ParsePublicJWK(dev.Key)
	}
	claims, kid, err := keys.VerifyJWT(token, protocol.RequestJWTType, lookup)
	if err != nil {
		return nil, unauthorized("request signature: %v", err)
	}
	if !dev.RevokedAt.IsZero() {
		return nil, &authError{protocol.ErrCodeDeviceOff, fmt.Sprintf("device %s was disabled at %s", dev.ID, dev.RevokedAt.Format(time.RFC3339))}
	}
	raw, _ := json.Marshal(claims)
	var c protocol.RequestClaims
	if err := decodeStrict(raw, &c); err != nil {
		return nil, unauthorized("request claims: %v", err)
	}
	switch {
	case c.Device != kid || dev.ID != kid:
		return nil, unauthorized("request signed by device %s claims to be %q", kid, c.Device)
	case c.Method != r.Method:
		return nil, unauthorized("request signed for %s, sent as %s", c.Method, r.Method)
	case c.Path != r.URL.RequestURI():
		return nil, unauthorized("request signed for %q, sent to %q", c.Path, r.URL.RequestURI())
	case !validJTI(c.ID):
		return nil, unauthorized("request id must be 16 random bytes in base64url")
	}
	if len(body) > 0 || c.BodyHash != "" {
		sum := sha256.Sum256(body)
		if c.BodyHash != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return nil, unauthorized("request body does not match its signed hash")
		}
	}
	now := s.cfg.Now()
	iat := time.Unix(c.IssuedAt, 0)
	if d := now.Sub(iat); d > s.cfg.ClockSkew || d < -s.cfg.ClockSkew {
		return nil, unauthorized("request signed at %s, server time %s: expired or clock off by more than %s",
			iat.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), s.cfg.ClockSkew)
	}
	// Replay cache: an id is kept for as long as its request could still
	// pass the clock check, plus a margin.
	jk := key(kJTI, kid, c.ID)
	err = s.db.Update(func(txn *badger.Txn) error {
		if _, err := txn.Get(jk); err == nil {
			return errReplay
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		return txn.SetEntry(badger.NewEntry(jk, nil).WithTTL(2*s.cfg.ClockSkew + time.Minute))
	})
	if errors.Is(err, errReplay) || errors.Is(err, badger.ErrConflict) {
		return nil, &authError{protocol.ErrCodeReplay, "request id " + c.ID + " was already used"}
	}
	if err != nil {
		return nil, err
	}
	return &dev, nil
}

var errReplay = errors.New("replay")

func validJTI(s string) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == 16
}

// deviceHandler wraps a handler that needs an authenticated device.
func (s *Server) deviceHandler(h func(w http.ResponseWriter, r *http.Request, dev *device, body []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(w, r)
		if err != nil {
			writeError(w, r, http.StatusRequestEntityTooLarge, protocol.ErrCodeBadRequest, err.Error())
			return
		}
		dev, err := s.authenticate(r, body)
		var ae *authError
		if errors.As(err, &ae) {
			writeError(w, r, http.StatusUnauthorized, ae.code, ae.msg)
			return
		}
		if err != nil {
			writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "authentication failed")
			return
		}
		h(w, r, dev, body)
	}
}
