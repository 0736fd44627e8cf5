package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/protocol"
)

// Config configures a Client. Zero fields take the defaults.
type Config struct {
	// BaseURL of the warehouse, e.g. "http://127.0.0.1:8640".
	BaseURL string
	// RootKey is the province's root public key, which signs the trust
	// list; required.
	RootKey *keys.PublicKey
	// HTTPClient carries the requests (tests pass one whose dialer goes
	// through sync/linksim); nil means a new client.
	HTTPClient *http.Client
	// IdleTimeout fails an attempt when no byte of it moves for that long
	// (default 20 s): not connected, nothing written, nothing of the
	// answer read. A slow link that keeps moving is never cut by it; a
	// link that went quiet is, with an error matching ErrOffline (and
	// ErrStalled). 20 s is several times the longest pause a working 2G
	// cell shows (a TCP retransmission after a lost segment, or the
	// warehouse preparing a page of up to protocol.MaxPageSize records).
	// A written request also gets the time it needs to leave the device
	// at 1 KB/s before the answer is due (see the package doc).
	IdleTimeout time.Duration
	// Timeout bounds one attempt of one request as a whole (default
	// 10 min), so that a server trickling a byte now and then cannot hold
	// a request forever; it is not meant to fire on a slow link (a page
	// of protocol.MaxPageSize records takes about 5 min at 1 KB/s). A
	// caller that wants a quick answer (a counter's online check) sets it
	// lower. An attempt that hits it fails with ErrOffline. The
	// HTTPClient's own Timeout, if set, also applies: leave it zero.
	Timeout time.Duration
	// Attempts is how many times a request is tried before giving up
	// (default 4). Only network errors, 5xx and 429 are retried.
	Attempts int
	// RetryWait is the first backoff (default 500 ms); it doubles per
	// attempt up to RetryMaxWait (default 8 s), with full jitter in its
	// upper half.
	RetryWait, RetryMaxWait time.Duration
	// PageSize is the size of the first change-feed page a Sync (or an
	// AccessLog download) asks for (default 10: about 5 KB, a few seconds
	// at 1 KB/s). Pages then adapt to the link: a page that arrives in
	// under a quarter of IdleTimeout doubles the next one, up to
	// MaxPageSize; one slower than IdleTimeout halves the next; a page
	// lost to the network (idle, cut) is asked again at half the size.
	// Never below 1, the warehouse's minimum.
	PageSize int
	// MaxPageSize caps the adapted page size (default and upper limit
	// protocol.MaxPageSize, the warehouse's cap). MaxPageSize equal to
	// PageSize keeps pages at that size, except after a network failure.
	MaxPageSize int
	// Now is the clock for request signatures and trust-list freshness;
	// nil means time.Now.
	Now func() time.Time
}

// Defaults of Config.
const (
	DefaultIdleTimeout = 20 * time.Second
	DefaultTimeout     = 10 * time.Minute
	DefaultPageSize    = 10
)

// Client talks to one warehouse.
type Client struct {
	cfg  Config
	http *resty.Client
	base *url.URL
}

// New makes a Client.
func New(cfg Config) (*Client, error) {
	if cfg.RootKey == nil {
		return nil, errors.New("sync client: Config.RootKey is required")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sync client: warehouse address %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 4
	}
	if cfg.RetryWait <= 0 {
		cfg.RetryWait = 500 * time.Millisecond
	}
	if cfg.RetryMaxWait < cfg.RetryWait {
		cfg.RetryMaxWait = max(8*time.Second, cfg.RetryWait)
	}
	if cfg.MaxPageSize <= 0 || cfg.MaxPageSize > protocol.MaxPageSize {
		cfg.MaxPageSize = protocol.MaxPageSize
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = DefaultPageSize
	}
	cfg.PageSize = min(cfg.PageSize, cfg.MaxPageSize)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// A copy of the caller's client, so that resty's settings stay ours,
	// with a transport that feeds each attempt's watchdog (see idle.go).
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		*hc = *cfg.HTTPClient
	}
	inner := hc.Transport
	if inner == nil {
		inner = http.DefaultTransport
	}
	hc.Transport = watchedTransport{inner: inner}
	// Retries are ours, not resty's: every attempt must be signed anew
	// (the server refuses a request id it has seen). Time limits are ours
	// too (once): resty's SetTimeout is a whole-request limit.
	r := resty.NewWithClient(hc).SetRetryCount(0).
		SetRedirectPolicy(resty.NoRedirectPolicy()).
		SetHeader("User-Agent", "citizenwallet-sync/1")
	return &Client{cfg: cfg, http: r, base: u}, nil
}

// Sentinel errors; the concrete error says more.
var (
	// ErrOffline: the warehouse could not be reached (no network, refused,
	// timed out) after every attempt. Nothing was changed.
	ErrOffline = errors.New("warehouse unreachable")
	// ErrRefused: the warehouse answered with an error (see *ServerError).
	ErrRefused = errors.New("warehouse refused the request")
	// ErrBadResponse: the answer was not a valid protocol response
	// (malformed JSON, too large, wrong content).
	ErrBadResponse = errors.New("bad response from the warehouse")
)

// ServerError is a non-2xx answer with its protocol error code.
type ServerError struct {
	Status int
	Code   string // protocol.ErrCode...
	Msg    string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("%v: HTTP %d %s: %s", ErrRefused, e.Status, e.Code, e.Msg)
}

// Is makes errors.Is(err, ErrRefused) match.
func (e *ServerError) Is(target error) bool { return target == ErrRefused }

// call makes one protocol request with retries and decodes the JSON
// answer into out. dev signs it (nil for unauthenticated endpoints). It
// returns the response body's size on the wire as read.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, body any, dev *keys.PrivateKey, out any) (int64, error) {
	a, err := c.callEach(ctx, method, path, func(error) url.Values { return query }, body, dev, out)
	return a.bytes, err
}

// attemptStats describes the attempt that succeeded.
type attemptStats struct {
	bytes   int64         // the answer's body, as read (after gzip)
	elapsed time.Duration // from the start of the attempt to its last byte
	// trustVersion is the warehouse's trust-list version as the answer's
	// protocol.HeaderTrustVersion gives it (0 when absent).
	trustVersion int64
}

// callEach is call with the query made before every attempt: query gets
// the previous attempt's error (nil before the first), so that a feed
// page lost to the network is asked again smaller.
func (c *Client) callEach(ctx context.Context, method, path string, query func(prev error) url.Values, body any, dev *keys.PrivateKey, out any) (attemptStats, error) {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return attemptStats{}, err
		}
	}
	var lastErr error
	for attempt := 0; attempt < c.cfg.Attempts; attempt++ {
		if attempt > 0 {
			if err := sleep(ctx, c.backoff(attempt)); err != nil {
				return attemptStats{}, err
			}
		}
		uri := path
		if q := query(lastErr); len(q) > 0 {
			uri += "?" + q.Encode()
		}
		a, retry, err := c.once(ctx, method, uri, raw, dev, out)
		if err == nil {
			return a, nil
		}
		lastErr = err
		if !retry || ctx.Err() != nil {
			break
		}
	}
	if ctx.Err() != nil {
		return attemptStats{}, ctx.Err()
	}
	return attemptStats{}, lastErr
}

func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.RetryWait << (attempt - 1)
	if d > c.cfg.RetryMaxWait || d <= 0 {
		d = c.cfg.RetryMaxWait
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// once makes one attempt. retry says whether another attempt may help.
//
// The attempt runs under a watchdog (Config.IdleTimeout without a sign of
// life cancels it) and under Config.Timeout as a whole; either ends it
// with ErrOffline, and ErrStalled for the first. Only reading the answer
// is watched: decoding and verifying it is this device's own work.
func (c *Client) once(ctx context.Context, method, uri string, body []byte, dev *keys.PrivateKey, out any) (a attemptStats, retry bool, err error) {
	actx, cancel := context.WithTimeoutCause(ctx, c.cfg.Timeout, errAttemptCap)
	defer cancel()
	actx, wd := watch(actx, c.cfg.IdleTimeout)
	defer wd.stop()
	// offline explains a network failure, naming a time limit if one
	// ended the attempt (the transport then only says "canceled").
	offline := func(what string, err error) error {
		switch cause := context.Cause(actx); {
		case errors.Is(cause, ErrStalled):
			return fmt.Errorf("%w: %s %s: %s: %w for %v", ErrOffline, method, uri, what, ErrStalled, c.cfg.IdleTimeout)
		case errors.Is(cause, errAttemptCap):
			return fmt.Errorf("%w: %s %s: %s: %v (%v)", ErrOffline, method, uri, what, errAttemptCap, c.cfg.Timeout)
		}
		return fmt.Errorf("%w: %s %s: %s: %v", ErrOffline, method, uri, what, err)
	}
	req := c.http.R().SetContext(actx).SetDoNotParseResponse(true)
	if body != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(body)
	}
	if dev != nil {
		auth, err := protocol.SignRequest(dev, method, uri, body, c.cfg.Now())
		if err != nil {
			return a, false, err
		}
		req.SetHeader("Authorization", auth)
	}
	start := time.Now()
	resp, err := req.Execute(method, strings.TrimSuffix(c.base.String(), "/")+uri)
	if err != nil {
		if ctx.Err() != nil {
			return a, false, ctx.Err()
		}
		return a, true, offline("sending", err)
	}
	rb := resp.RawBody()
	defer rb.Close()
	// Go's transport undoes gzip itself (it asked for it), so the limit
	// applies to the decompressed body: a bomb stops at the limit.
	cr := &countingReader{r: rb}
	data, err := io.ReadAll(io.LimitReader(cr, protocol.MaxResponseBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return a, false, ctx.Err()
		}
		// Cut mid-body, or stalled: try again.
		return a, true, offline("reading the answer", err)
	}
	a = attemptStats{bytes: cr.n, elapsed: time.Since(start)}
	if v, err := strconv.ParseInt(resp.Header().Get(protocol.HeaderTrustVersion), 10, 64); err == nil && v > 0 {
		a.trustVersion = v
	}
	wd.stop()
	if len(data) > protocol.MaxResponseBytes {
		return a, false, fmt.Errorf("%w: %s %s: answer larger than %d bytes", ErrBadResponse, method, uri, protocol.MaxResponseBytes)
	}
	status := resp.StatusCode()
	if status < 200 || status > 299 {
		var pe protocol.Error
		if json.Unmarshal(data, &pe) != nil || pe.Code == "" {
			pe = protocol.Error{Code: "http_" + strconv.Itoa(status), Message: http.StatusText(status)}
		}
		se := &ServerError{Status: status, Code: pe.Code, Msg: pe.Message}
		if pe.Code == protocol.ErrCodeReplay && wd.resent() {
			// The link broke after the request reached the warehouse, and
			// net/http sent it again on a new connection, signature and
			// all. Another attempt is signed anew.
			return a, true, fmt.Errorf("%w: %s %s: the connection broke and the resent request was refused: %v", ErrOffline, method, uri, se)
		}
		return a, status >= 500 || status == http.StatusTooManyRequests, se
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return a, false, fmt.Errorf("%w: %s %s: %v", ErrBadResponse, method, uri, err)
	}
	if dec.More() {
		return a, false, fmt.Errorf("%w: %s %s: data after the JSON answer", ErrBadResponse, method, uri)
	}
	return a, false, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
