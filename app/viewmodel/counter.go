package viewmodel

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// CounterConfig configures counter (verifier) mode.
type CounterConfig struct {
	BaseURL   string          // the warehouse, for trust list, revocations and online tokens
	RootKey   *keys.PublicKey // the province root key
	Agency    string          // this counter's agency id: tokens must name it
	CounterID string
	Dir       string // where the counter keeps its caches and log
	Now       func() time.Time
}

// Counter is the one-stop counter's state: the cached trust list and
// revocations, the parts read so far, and the last result.
type Counter struct {
	cfg     CounterConfig
	mu      sync.Mutex
	list    *trust.List
	revoked []string
	asm     *qrtext.Assembler
	replay  *consent.ReplayFile
	last    *CounterResult
}

// CounterResult is what the counter screen shows after a token.
type CounterResult struct {
	Valid     bool
	Reason    string // for an invalid token: what is wrong, in plain words
	ConsentID string
	Procedure string
	Purpose   string
	Expires   string
	Groups    []FieldGroup
	fields    []consent.Field
}

// FieldGroup is the fields of one record and who vouches for them.
type FieldGroup struct {
	Title  string // record type
	Issuer string // agency name
	Fields [][2]string
}

// NewCounter opens the counter's replay cache and cached lists in
// cfg.Dir, then tries to refresh them from the warehouse.
func NewCounter(cfg CounterConfig) (*Counter, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, err
	}
	rf, err := consent.OpenReplayFile(filepath.Join(cfg.Dir, "replay"), cfg.Now)
	if err != nil {
		return nil, err
	}
	c := &Counter{cfg: cfg, asm: qrtext.NewAssembler(qrtext.Limits{}), replay: rf}
	if b, err := os.ReadFile(filepath.Join(cfg.Dir, "trust-list.jws")); err == nil {
		c.list, _ = trust.Verify(string(b), cfg.RootKey)
	}
	if b, err := os.ReadFile(filepath.Join(cfg.Dir, "revoked.json")); err == nil {
		json.Unmarshal(b, &c.revoked)
	}
	c.Refresh()
	return c, nil
}

// Close closes the replay cache.
func (c *Counter) Close() error { return c.replay.Close() }

func (c *Counter) client() (*client.Client, error) {
	return client.New(client.Config{BaseURL: c.cfg.BaseURL, RootKey: c.cfg.RootKey, Attempts: 1, Timeout: 10 * time.Second})
}

// Refresh fetches the trust list and the revocation list; offline it
// keeps the cached ones. It returns a status line.
func (c *Counter) Refresh() string {
	cl, err := c.client()
	if err == nil {
		var tl protocol.TrustListResponse
		ctx := context.Background()
		rl, rerr := cl.RevocationList(ctx)
		list, lerr := fetchTrustList(ctx, cl, c.cfg.RootKey, &tl)
		c.mu.Lock()
		if lerr == nil && c.list != nil {
			lerr = trust.CheckSuccessor(c.list, list) // never roll back to an older list
		}
		c.mu.Unlock()
		if lerr == nil && rerr == nil {
			c.mu.Lock()
			c.list, c.revoked = list, rl.Revoked
			c.mu.Unlock()
			os.WriteFile(filepath.Join(c.cfg.Dir, "trust-list.jws"), []byte(tl.TrustList), 0o600)
			if b, err := json.Marshal(rl.Revoked); err == nil {
				os.WriteFile(filepath.Join(c.cfg.Dir, "revoked.json"), b, 0o600)
			}
			return lang.L("Online: trust list and revocations up to date.")
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.list == nil {
		return lang.L("Offline and no trust list yet: connect once to the warehouse before verifying.")
	}
	return lang.L("Offline: using the saved trust list.")
}

func fetchTrustList(ctx context.Context, cl *client.Client, root *keys.PublicKey, out *protocol.TrustListResponse) (*trust.List, error) {
	s, err := cl.FetchTrustList(ctx)
	if err != nil {
		return nil, err
	}
	out.TrustList = s
	return trust.Verify(s, root)
}

// Scan takes one QR text (a keyboard-wedge scanner types it and Enter).
// It returns "2 / 3" progress; when the set is complete it verifies and
// the result is in Result.
func (c *Counter) Scan(text string) (progress string, complete bool) {
	c.mu.Lock()
	done, err := c.asm.Add(text)
	have, total := c.asm.Progress()
	c.mu.Unlock()
	if err != nil {
		c.setResult(&CounterResult{Reason: counterReason(err)})
		c.Reset()
		return "", true
	}
	progress = lang.L("{{.Have}} of {{.Total}} codes read", map[string]any{"Have": have, "Total": total})
	if !done {
		return progress, false
	}
	c.mu.Lock()
	tok, err := c.asm.Token()
	c.mu.Unlock()
	c.Reset()
	if err != nil {
		c.setResult(&CounterResult{Reason: counterReason(err)})
		return progress, true
	}
	c.verify(tok)
	return progress, true
}

// ReadImage decodes one QR from a photo or screenshot and scans it.
func (c *Counter) ReadImage(img image.Image) (string, bool, error) {
	text, err := qrtext.ReadImage(img)
	if err != nil {
		return "", false, errors.New(lang.L("No readable QR code in that image. Try a sharper photo."))
	}
	p, done := c.Scan(text)
	return p, done, nil
}

// Reset forgets parts read so far.
func (c *Counter) Reset() {
	c.mu.Lock()
	c.asm.Reset()
	c.mu.Unlock()
}

func (c *Counter) verify(tok string) {
	c.mu.Lock()
	list, revoked := c.list, c.revoked
	c.mu.Unlock()
	if list == nil {
		c.setResult(&CounterResult{Reason: lang.L("Offline and no trust list yet: connect once to the warehouse before verifying.")})
		return
	}
	v := &consent.Verifier{Trust: list, Audience: c.cfg.Agency, Replay: c.replay, Now: c.cfg.Now,
		Revoked: func(id string) bool { return slices.Contains(revoked, id) }}
	var res *consent.Result
	var err error
	if bytes.ContainsRune([]byte(tok), '~') {
		res, err = v.Verify(tok)
	} else {
		var cl *client.Client
		if cl, err = c.client(); err == nil {
			var resp protocol.RedeemResponse
			resp, err = cl.Redeem(context.Background(), tok, protocol.Counter{Agency: c.cfg.Agency, CounterID: c.cfg.CounterID})
			if err == nil {
				res, err = v.VerifyRedeemed(tok, resp.Credentials)
			}
		}
	}
	if err != nil {
		c.setResult(&CounterResult{Reason: counterReason(err)})
		c.log(nil, err)
		return
	}
	out := &CounterResult{Valid: true, ConsentID: res.ID, Procedure: res.Procedure, Purpose: res.Purpose,
		Expires: res.Expires.Local().Format("02/01/2006 15:04"), fields: res.Fields}
	var g *FieldGroup
	last := ""
	for _, f := range res.Fields {
		if f.RecordID != last {
			title := f.Type
			if t, ok := wallet.LookupType(f.Type); ok {
				title = Localized(t.Label)
			}
			issuer := f.IssuerName.VI
			if lang.L("lang.code") == "en" && f.IssuerName.EN != "" {
				issuer = f.IssuerName.EN
			}
			out.Groups = append(out.Groups, FieldGroup{Title: title, Issuer: issuer})
			g = &out.Groups[len(out.Groups)-1]
			last = f.RecordID
		}
		label, value := f.Claim, fmt.Sprint(f.Value)
		if t, ok := wallet.LookupType(f.Type); ok {
			if fd, ok := t.Field(f.Claim); ok {
				label, value = Localized(fd.Label), claimText(fd, f.Value)
			}
		}
		g.Fields = append(g.Fields, [2]string{label, value})
	}
	c.setResult(out)
	c.log(res, nil)
}

func (c *Counter) setResult(r *CounterResult) {
	c.mu.Lock()
	c.last = r
	c.mu.Unlock()
}

// Result is the last verification's result (nil before the first).
func (c *Counter) Result() *CounterResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// log appends one line to the counter's own log of verified tokens.
func (c *Counter) log(res *consent.Result, err error) {
	e := map[string]any{"at": c.cfg.Now().UTC().Format(time.RFC3339), "valid": err == nil}
	if res != nil {
		e["consent_id"], e["procedure"], e["fields"] = res.ID, res.Procedure, len(res.Fields)
	}
	if err != nil {
		e["reason"] = err.Error()
	}
	b, _ := json.Marshal(e)
	f, ferr := os.OpenFile(filepath.Join(c.cfg.Dir, "log.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if ferr != nil {
		return
	}
	f.Write(append(b, '\n'))
	f.Close()
}

// JSON exports the last valid result's fields, to prefill a form.
func (r *CounterResult) JSON() ([]byte, error) {
	type field struct {
		RecordType, RecordID, Claim, Issuer string
		Value                               any
	}
	var out []field
	for _, f := range r.fields {
		out = append(out, field{f.Type, f.RecordID, f.Claim, f.Issuer, f.Value})
	}
	return json.MarshalIndent(map[string]any{"consent_id": r.ConsentID, "procedure": r.Procedure, "purpose": r.Purpose, "fields": out}, "", "  ")
}

// CSV exports the fields as record_type,claim,value,issuer rows.
func (r *CounterResult) CSV() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"record_type", "record_id", "claim", "value", "issuer"})
	for _, f := range r.fields {
		w.Write([]string{f.Type, f.RecordID, f.Claim, fmt.Sprint(f.Value), f.Issuer})
	}
	w.Flush()
	return b.Bytes()
}

// counterReason says why a token is not accepted, in plain words.
func counterReason(err error) string {
	var se *client.ServerError
	switch {
	case errors.Is(err, qrtext.ErrMixedParts):
		return lang.L("These codes belong to two different shares. Start again with one person's codes.")
	case errors.Is(err, qrtext.ErrNotOurs), errors.Is(err, consent.ErrQR), errors.Is(err, qrtext.ErrInvalid):
		return lang.L("This is not a citizen wallet code, or it was read wrongly. Scan it again.")
	case errors.Is(err, consent.ErrAudience):
		return lang.L("This code was made for another office. Ask the citizen to share with this office.")
	case errors.Is(err, consent.ErrExpired):
		return lang.L("This code has expired. Ask the citizen to share again.")
	case errors.Is(err, consent.ErrNotYetValid):
		return lang.L("This code is not valid yet: check this computer's clock.")
	case errors.Is(err, consent.ErrReplay):
		return lang.L("This code was already used here. Ask the citizen for a new one.")
	case errors.Is(err, consent.ErrRevoked):
		return lang.L("The citizen revoked this consent.")
	case errors.Is(err, consent.ErrUnknownIssuer), errors.Is(err, consent.ErrIssuerKey):
		return lang.L("A record is signed by an agency this office does not trust. Refresh the trust list; if it persists, do not accept it.")
	case errors.Is(err, consent.ErrForged), errors.Is(err, consent.ErrNoBinding):
		return lang.L("The data does not match its signatures: it was altered. Do not accept it.")
	case errors.Is(err, client.ErrOffline):
		return lang.L("This is an online code and the warehouse cannot be reached. Ask the citizen for an offline code.")
	case errors.As(err, &se) && se.Code == protocol.ErrCodeUsed:
		return lang.L("This code was already used. Ask the citizen for a new one.")
	case errors.As(err, &se) && se.Code == protocol.ErrCodeRevoked:
		return lang.L("The citizen revoked this consent.")
	case errors.As(err, &se) && se.Code == protocol.ErrCodeAudience:
		return lang.L("This code was made for another office. Ask the citizen to share with this office.")
	case errors.As(err, &se) && se.Code == protocol.ErrCodeExpired:
		return lang.L("This code has expired. Ask the citizen to share again.")
	}
	return fmt.Sprintf("%s (%v)", lang.L("The code could not be verified."), err)
}
