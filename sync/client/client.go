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
	// Timeout bounds one attempt of one request (default 30 s; a 2G page
	// of 100 records takes about 10 s).
	Timeout time.Duration
	// Attempts is how many times a request is tried before giving up
	// (default 4). Only network errors, 5xx and 429 are retried.
	Attempts int
	// RetryWait is the first backoff (default 500 ms); it doubles per
	// attempt up to RetryMaxWait (default 8 s), with full jitter in its
	// upper half.
	RetryWait, RetryMaxWait time.Duration
	// PageSize is the change-feed page size (default protocol.DefaultPageSize).
	PageSize int
	// Now is the clock for request signatures and trust-list freshness;
	// nil means time.Now.
	Now func() time.Time
}

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
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
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
	if cfg.PageSize <= 0 || cfg.PageSize > protocol.MaxPageSize {
		cfg.PageSize = protocol.DefaultPageSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	// Retries are ours, not resty's: every attempt must be signed anew
	// (the server refuses a request id it has seen).
	r := resty.NewWithClient(hc).SetRetryCount(0).SetTimeout(cfg.Timeout).
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
	uri := path
	if len(query) > 0 {
		uri += "?" + query.Encode()
	}
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return 0, err
		}
	}
	var lastErr error
	for attempt := 0; attempt < c.cfg.Attempts; attempt++ {
		if attempt > 0 {
			if err := sleep(ctx, c.backoff(attempt)); err != nil {
				return 0, err
			}
		}
		n, retry, err := c.once(ctx, method, uri, raw, dev, out)
		if err == nil {
			return n, nil
		}
		lastErr = err
		if !retry || ctx.Err() != nil {
			break
		}
	}
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	return 0, lastErr
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
func (c *Client) once(ctx context.Context, method, uri string, body []byte, dev *keys.PrivateKey, out any) (n int64, retry bool, err error) {
	req := c.http.R().SetContext(ctx).SetDoNotParseResponse(true)
	if body != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(body)
	}
	if dev != nil {
		auth, err := protocol.SignRequest(dev, method, uri, body, c.cfg.Now())
		if err != nil {
			return 0, false, err
		}
		req.SetHeader("Authorization", auth)
	}
	resp, err := req.Execute(method, strings.TrimSuffix(c.base.String(), "/")+uri)
	if err != nil {
		if ctx.Err() != nil {
			return 0, false, ctx.Err()
		}
		return 0, true, fmt.Errorf("%w: %s %s: %v", ErrOffline, method, uri, err)
	}
	rb := resp.RawBody()
	defer rb.Close()
	// Go's transport undoes gzip itself (it asked for it), so the limit
	// applies to the decompressed body: a bomb stops at the limit.
	cr := &countingReader{r: rb}
	data, err := io.ReadAll(io.LimitReader(cr, protocol.MaxResponseBytes+1))
	if err != nil {
		// Cut mid-body: the connection died; try again.
		return 0, true, fmt.Errorf("%w: %s %s: reading the answer: %v", ErrOffline, method, uri, err)
	}
	if len(data) > protocol.MaxResponseBytes {
		return 0, false, fmt.Errorf("%w: %s %s: answer larger than %d bytes", ErrBadResponse, method, uri, protocol.MaxResponseBytes)
	}
	status := resp.StatusCode()
	if status < 200 || status > 299 {
		var pe protocol.Error
		if json.Unmarshal(data, &pe) != nil || pe.Code == "" {
			pe = protocol.Error{Code: "http_" + strconv.Itoa(status), Message: http.StatusText(status)}
		}
		se := &ServerError{Status: status, Code: pe.Code, Msg: pe.Message}
		return 0, status >= 500 || status == http.StatusTooManyRequests, se
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return 0, false, fmt.Errorf("%w: %s %s: %v", ErrBadResponse, method, uri, err)
	}
	if dec.More() {
		return 0, false, fmt.Errorf("%w: %s %s: data after the JSON answer", ErrBadResponse, method, uri)
	}
	return cr.n, false, nil
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
