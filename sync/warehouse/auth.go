package warehouse

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/protocol"
)

// gzipWriters are reused: a compressor holds ≈ 1 MB of tables, so one per
// concurrent response would make memory grow with the number of clients
// (the pool keeps about as many as responses are being compressed at once).
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestCompression) // weak links pay per byte
	return zw
}}

// writeBody writes a JSON body, gzip'ed when the request accepts gzip and
// the body is worth compressing.
func writeBody(w http.ResponseWriter, r *http.Request, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Accept-Encoding")
	if len(b) > 512 && acceptsGzip(r) {
		var buf bytes.Buffer
		buf.Grow(len(b) / 3)
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&buf)
		zw.Write(b)
		zw.Close()
		zw.Reset(io.Discard)
		gzipWriters.Put(zw)
		h.Set("Content-Encoding", "gzip")
		b = buf.Bytes()
	}
	releaseTurn(r) // the answer is ready: sending it needs no turn
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

// errBodyTooLarge: a request body over its endpoint's limit.
var errBodyTooLarge = errors.New("request body too large")

// readBody reads a request body of at most limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, fmt.Errorf("%w: more than %d bytes", errBodyTooLarge, limit)
	}
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

// authError is a refused request.
type authError struct {
	code string
	msg  string
}

func (e *authError) Error() string { return e.msg }

func unauthorized(format string, a ...any) error {
	return &authError{protocol.ErrCodeUnauthorized, fmt.Sprintf(format, a...)}
}

// writeAuthError answers a request refused by authenticate or
// authenticateAgency.
func writeAuthError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *authError
	switch {
	case errors.As(err, &ae):
		writeError(w, r, http.StatusUnauthorized, ae.code, ae.msg)
	case errors.Is(err, errBodyTooLarge):
		writeError(w, r, http.StatusRequestEntityTooLarge, protocol.ErrCodeBadRequest, err.Error())
	default:
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "authentication failed")
	}
}

// signedRequest is a request JWT whose signature and claims passed.
type signedRequest struct {
	claims protocol.RequestClaims
	kid    string
}

// verifyRequest checks what a request JWT says from the headers alone:
// the scheme, the JWS under the key lookup gives for it, the claims
// against this request's method and URI, and the clock. The body hash and
// the replay cache come after the body is read (finishRequest).
func (s *Server) verifyRequest(r *http.Request, scheme, typ string, lookup func(u *keys.Unverified, sub string) (*keys.PublicKey, error)) (*signedRequest, error) {
	got, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || got != scheme || token == "" {
		return nil, unauthorized("missing %q authorization", scheme)
	}
	u, err := keys.ParseUnverified(token, typ)
	if err != nil {
		return nil, unauthorized("request signature: %v", err)
	}
	var c protocol.RequestClaims
	if err := decodeStrict(u.UnverifiedPayload(), &c); err != nil {
		return nil, unauthorized("request claims: %v", err)
	}
	k, err := lookup(u, c.Device)
	if err != nil {
		return nil, err
	}
	if _, err := u.Verify(k); err != nil {
		return nil, unauthorized("request signature does not verify")
	}
	switch {
	case c.Method != r.Method:
		return nil, unauthorized("request signed for %s, sent as %s", c.Method, r.Method)
	case c.Path != r.URL.RequestURI():
		return nil, unauthorized("request signed for %q, sent to %q", c.Path, r.URL.RequestURI())
	case !validJTI(c.ID):
		return nil, unauthorized("request id must be 16 random bytes in base64url")
	}
	now := s.cfg.Now()
	iat := time.Unix(c.IssuedAt, 0)
	if d := now.Sub(iat); d > s.cfg.ClockSkew || d < -s.cfg.ClockSkew {
		return nil, unauthorized("request signed at %s, server time %s: expired or clock off by more than %s",
			iat.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), s.cfg.ClockSkew)
	}
	return &signedRequest{claims: c, kid: u.KID()}, nil
}

// finishRequest checks the body against its signed hash and records the
// request id, for a request that passed everything else; client scopes
// the id (a device id, or "agency:" and the agency's id).
func (s *Server) finishRequest(ctx context.Context, req *signedRequest, client string, body []byte) error {
	c := req.claims
	if len(body) > 0 || c.BodyHash != "" {
		sum := sha256.Sum256(body)
		if c.BodyHash != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return unauthorized("request body does not match its signed hash")
		}
	}
	// An id is kept for as long as its request could still pass the clock
	// check, plus a margin.
	now := s.cfg.Now()
	err := s.st.UseNonce(ctx, client, c.ID, now.Add(2*s.cfg.ClockSkew+time.Minute), now)
	if errors.Is(err, ErrReplay) {
		return &authError{protocol.ErrCodeReplay, "request id " + c.ID + " was already used"}
	}
	return err
}

// authenticate checks a device-signed request (protocol.RequestClaims)
// from its headers, then reads its body (at most limit bytes) and checks
// it and the replay cache. It returns the enrolled device and the body.
// An unknown device and a wrong signature get the same answer.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, limit int64) (*Device, []byte, error) {
	var dev Device
	req, err := s.verifyRequest(r, protocol.AuthScheme, protocol.RequestJWTType, func(u *keys.Unverified, sub string) (*keys.PublicKey, error) {
		d, err := s.st.Device(r.Context(), u.KID())
		if errors.Is(err, ErrNotFound) {
			return nil, unauthorized("request signature does not verify")
		}
		if err != nil {
			return nil, err
		}
		dev = d
		k, err := keys.ParsePublicJWK(d.Key)
		if err != nil {
			return nil, fmt.Errorf("device %s: stored key: %w", d.ID, err)
		}
		return k, nil
	})
	if err != nil {
		return nil, nil, err
	}
	if req.claims.Device != req.kid || dev.ID != req.kid {
		return nil, nil, unauthorized("request signed by device %s claims to be %q", req.kid, req.claims.Device)
	}
	if !dev.RevokedAt.IsZero() {
		return nil, nil, &authError{protocol.ErrCodeDeviceOff, fmt.Sprintf("device %s was disabled at %s", dev.ID, dev.RevokedAt.Format(time.RFC3339))}
	}
	body, err := readBody(w, r, limit)
	if err != nil {
		return nil, nil, err
	}
	if err := s.finishRequest(r.Context(), req, dev.ID, body); err != nil {
		return nil, nil, err
	}
	return &dev, body, nil
}

// authenticateAgency checks an agency-signed ingestion request: sub names
// a registered agency, the JWS is signed by its client key (kid is that
// key's thumbprint), and then as authenticate.
func (s *Server) authenticateAgency(w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	req, err := s.verifyRequest(r, protocol.AgencyAuthScheme, protocol.AgencyRequestJWTType, func(u *keys.Unverified, sub string) (*keys.PublicKey, error) {
		a, ok := s.agency(r.Context(), sub)
		if !ok || len(a.info.ClientKey) == 0 {
			return nil, unauthorized("request signature does not verify with a registered agency key")
		}
		k, err := keys.ParsePublicJWK(a.info.ClientKey)
		if err != nil {
			return nil, fmt.Errorf("agency %s: stored client key: %w", sub, err)
		}
		if k.KID() != u.KID() {
			return nil, unauthorized("request signature does not verify with a registered agency key")
		}
		return k, nil
	})
	if err != nil {
		return "", nil, err
	}
	agency := req.claims.Device
	body, err := readBody(w, r, protocol.MaxIngestBytes)
	if err != nil {
		return "", nil, err
	}
	if err := s.finishRequest(r.Context(), req, "agency:"+agency, body); err != nil {
		return "", nil, err
	}
	return agency, body, nil
}

func validJTI(s string) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == 16
}

// deviceHandler wraps a handler that needs an authenticated device; the
// body is read (up to protocol.MaxRequestBytes) only after the headers
// authenticated it.
func (s *Server) deviceHandler(h func(w http.ResponseWriter, r *http.Request, dev *Device, body []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		dev, body, err := s.authenticate(w, r, protocol.MaxRequestBytes)
		if err != nil {
			writeAuthError(w, r, err)
			return
		}
		if !s.perDevice.enter(dev.ID) {
			w.Header().Set("Retry-After", "5")
			writeError(w, r, http.StatusTooManyRequests, protocol.ErrCodeBusy, fmt.Sprintf("more than %d requests of this device at once", MaxPerDevice))
			return
		}
		defer s.perDevice.leave(dev.ID)
		h(w, r, dev, body)
	}
}
