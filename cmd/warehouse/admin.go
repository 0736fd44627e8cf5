package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vnwallet/citizenwallet/cmd/internal/cli"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet"
)

func osGetenv(k string) string { return os.Getenv(k) }

// adminFlags are the flags of every admin command.
type adminFlags struct {
	url   string
	json  bool
	token string
	data  string
	// as, when set, picks the demo staff token of that agency (issue,
	// withdraw) if no -token is given.
	as string
}

func (a *adminFlags) register(e *env, fs *flag.FlagSet) {
	def := e.getenv("WAREHOUSE_ADMIN")
	if def == "" {
		def = "http://127.0.0.1:8641"
	}
	fs.StringVar(&a.url, "admin-url", def, "admin API of the running warehouse")
	fs.BoolVar(&a.json, "json", false, "print the server's JSON answer")
	fs.StringVar(&a.token, "token", e.getenv("WAREHOUSE_ADMIN_TOKEN"), "admin token (default $WAREHOUSE_ADMIN_TOKEN, or the one serve made in -data)")
	fs.StringVar(&a.data, "data", e.getenv("WAREHOUSE_DATA"), "the warehouse's data directory, for its tokens (default $WAREHOUSE_DATA, or serve's default)")
}

// bearer is the token to send: -token, or the agency's demo staff token
// when a.as is set, or the operator's.
func (a *adminFlags) bearer() (string, error) {
	if a.token != "" {
		return a.token, nil
	}
	dir, err := dataDir(a.data)
	if err != nil {
		return "", err
	}
	if a.as != "" {
		if t, err := readToken(filepath.Join(dir, AgencyTokensDir, a.as)); t != "" || err != nil {
			return t, err
		}
	}
	t, err := readToken(filepath.Join(dir, OperatorTokenFile))
	if err == nil && t == "" {
		err = cli.Usagef("no admin token: give -token or $WAREHOUSE_ADMIN_TOKEN (`warehouse admin-token` makes one), or -data of a warehouse this machine serves")
	}
	return t, err
}

// call sends one admin request and decodes the answer into out (raw
// JSON is also returned for -json).
func (a *adminFlags) call(e *env, method, path string, body []byte, out any) ([]byte, error) {
	u, err := url.Parse(strings.TrimSuffix(a.url, "/") + path)
	if err != nil {
		return nil, cli.Usagef("-admin-url %q: %v", a.url, err)
	}
	req, err := http.NewRequestWithContext(e.ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	token, err := a.bearer()
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	hc := &http.Client{Timeout: 30 * time.Second}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the warehouse admin API at %s (is `warehouse serve` running?): %w", a.url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var pe protocol.Error
		msg := strings.TrimSpace(string(raw))
		if json.Unmarshal(raw, &pe) == nil && pe.Message != "" {
			msg = pe.Message
		}
		code := exitFailure
		switch resp.StatusCode {
		case http.StatusNotFound:
			code = exitNotFound
		case http.StatusBadRequest, http.StatusForbidden, http.StatusUnauthorized:
			code = exitInvalid
		}
		return nil, &cli.Error{Code: code, Msg: msg}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, fmt.Errorf("bad answer from the warehouse: %w", err)
		}
	}
	return raw, nil
}

func (a *adminFlags) print(e *env, raw []byte) {
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "", "  ") != nil {
		buf.Reset()
		buf.Write(raw)
	}
	fmt.Fprintln(e.stdout, buf.String())
}

func cmdCitizens(e *env, args []string) error {
	fs := flag.NewFlagSet("citizens", flag.ContinueOnError)
	var a adminFlags
	a.register(e, fs)
	after := fs.String("after", "", "list the citizens after this number")
	limit := fs.Int("limit", 20, "how many (at most 1000)")
	if _, err := parse(e, fs, args); err != nil {
		return err
	}
	var out []wallet.Profile
	raw, err := a.call(e, http.MethodGet, warehouse.AdminPathCitizens+"?after="+url.QueryEscape(*after)+"&limit="+strconv.Itoa(*limit), nil, &out)
	if err != nil {
		return err
	}
	if a.json {
		a.print(e, raw)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SỐ ĐỊNH DANH\tHỌ VÀ TÊN\tNGÀY SINH")
	for _, p := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", p.CitizenID, p.FullName, p.BirthDate.Format(time.DateOnly))
	}
	return tw.Flush()
}

func cmdCode(e *env, args []string) error {
	return adminCall(e, args, "code", http.MethodPost, []string{"<citizen-id>"},
		func(pos []string) string {
			return warehouse.AdminPathCitizens + "/" + url.PathEscape(pos[0]) + "/enrolment-code"
		},
		func(out warehouse.CodeResponse, _ []string) error {
			fmt.Fprintf(e.stdout, "%s\n(dùng một lần, hết hạn / single use, expires %s)\n", out.Code, out.Expires.Local().Format("2006-01-02 15:04"))
			return nil
		})
}

func cmdShow(e *env, args []string) error {
	return adminCall(e, args, "show", http.MethodGet, []string{"<citizen-id>"},
		func(pos []string) string { return warehouse.AdminPathCitizens + "/" + url.PathEscape(pos[0]) },
		func(out warehouse.CitizenResponse, _ []string) error {
			p := out.Profile
			fmt.Fprintf(e.stdout, "%s  %s  (sinh/born %s)\n\n", p.CitizenID, p.FullName, p.BirthDate.Format(time.DateOnly))
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "MÃ HỒ SƠ\tLOẠI\tPB\tTRẠNG THÁI\tCƠ QUAN CẤP\tNGÀY CẤP")
			for _, r := range out.Records {
				label := r.Type
				if t, ok := wallet.LookupType(r.Type); ok {
					label = t.Label.VI
				}
				fmt.Fprintf(tw, "%s\t%s\tv%d\t%s\t%s\t%s\n", r.ID, label, r.Version, wallet.StatusLabel(r.Status).VI, r.Issuer, r.IssuedAt.Format(time.DateOnly))
			}
			return tw.Flush()
		})
}

func cmdIssue(e *env, args []string) error {
	fs := flag.NewFlagSet("issue", flag.ContinueOnError)
	var a adminFlags
	a.register(e, fs)
	pos, err := parse(e, fs, args, "<citizen-id>", "<record.json | ->")
	if err != nil {
		return err
	}
	var body []byte
	if pos[1] == "-" {
		body, err = io.ReadAll(io.LimitReader(e.stdin, 1<<20))
	} else {
		body, err = os.ReadFile(pos[1])
	}
	if err != nil {
		return &cli.Error{Code: exitInvalid, Msg: err.Error()}
	}
	var rec wallet.Record
	if err := json.Unmarshal(body, &rec); err != nil {
		return &cli.Error{Code: exitInvalid, Msg: fmt.Sprintf("%s is not a record (JSON of wallet.Record): %v", pos[1], err)}
	}
	if rec.Issuer == "" && a.token == "" {
		return &cli.Error{Code: exitInvalid, Msg: "invalid record: it names no issuer (the agency that issues it, whose staff token is used)"}
	}
	a.as = rec.Issuer // as the record's agency
	var out wallet.Record
	raw, err := a.call(e, http.MethodPost, warehouse.AdminPathCitizens+"/"+url.PathEscape(pos[0])+"/records", body, &out)
	if err != nil {
		return err
	}
	if a.json {
		a.print(e, raw)
		return nil
	}
	fmt.Fprintf(e.stdout, "đã cấp / issued %s v%d (%s) by %s at %s\n", out.ID, out.Version, out.Type, out.Issuer, out.IssuedAt.Format(time.RFC3339))
	return nil
}

func cmdWithdraw(e *env, args []string) error {
	fs := flag.NewFlagSet("withdraw", flag.ContinueOnError)
	var a adminFlags
	a.register(e, fs)
	pos, err := parse(e, fs, args, "<citizen-id>", "<record-id>")
	if err != nil {
		return err
	}
	// As the record's agency: the operator looks up who issued it.
	var cur warehouse.CitizenResponse
	if _, err := a.call(e, http.MethodGet, warehouse.AdminPathCitizens+"/"+url.PathEscape(pos[0]), nil, &cur); err != nil {
		return err
	}
	for _, r := range cur.Records {
		if r.ID == pos[1] {
			a.as = r.Issuer
		}
	}
	if a.as == "" && a.token == "" {
		return &cli.Error{Code: exitNotFound, Msg: fmt.Sprintf("withdraw record: %s has no record %s", pos[0], pos[1])}
	}
	var out wallet.Record
	raw, err := a.call(e, http.MethodPost, warehouse.AdminPathCitizens+"/"+url.PathEscape(pos[0])+"/records/"+url.PathEscape(pos[1])+"/withdraw", nil, &out)
	if err != nil {
		return err
	}
	if a.json {
		a.print(e, raw)
		return nil
	}
	fmt.Fprintf(e.stdout, "đã thu hồi / withdrew %s (v%d)\n", out.ID, out.Version)
	return nil
}

func cmdRootKey(e *env, args []string) error {
	fs := flag.NewFlagSet("root-key", flag.ContinueOnError)
	var a adminFlags
	a.register(e, fs)
	if _, err := parse(e, fs, args); err != nil {
		return err
	}
	raw, err := a.call(e, http.MethodGet, warehouse.AdminPathRootKey, nil, nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, strings.TrimSpace(string(raw)))
	return nil
}

func cmdDevices(e *env, args []string) error {
	return adminCall(e, args, "devices", http.MethodGet, []string{"<citizen-id>"},
		func(pos []string) string {
			return warehouse.AdminPathCitizens + "/" + url.PathEscape(pos[0]) + "/devices"
		},
		func(out []warehouse.DeviceInfo, _ []string) error {
			if len(out) == 0 {
				fmt.Fprintln(e.stdout, "chưa có thiết bị / no devices enrolled")
			}
			for _, d := range out {
				state := "đang dùng / active"
				if !d.RevokedAt.IsZero() {
					state = "đã vô hiệu hóa / disabled " + d.RevokedAt.Format(time.RFC3339)
				}
				fmt.Fprintf(e.stdout, "%s  %s  %s  %s\n", d.ID, d.EnrolledAt.Format(time.RFC3339), d.Label, state)
			}
			return nil
		})
}

func cmdRevokeDevice(e *env, args []string) error {
	return adminCall(e, args, "revoke-device", http.MethodPost, []string{"<citizen-id>", "<device-id>"},
		func(pos []string) string {
			return warehouse.AdminPathCitizens + "/" + url.PathEscape(pos[0]) + "/devices/" + url.PathEscape(pos[1]) + "/revoke"
		},
		func(out warehouse.DeviceInfo, _ []string) error {
			fmt.Fprintf(e.stdout, "đã vô hiệu hóa / disabled %s at %s\n", out.ID, out.RevokedAt.Format(time.RFC3339))
			return nil
		})
}

func cmdRotateKey(e *env, args []string) error {
	return adminCall(e, args, "rotate-key", http.MethodPost, []string{"<agency-id>"},
		func(pos []string) string {
			return warehouse.AdminPathAgencies + "/" + url.PathEscape(pos[0]) + "/rotate-key"
		},
		func(out warehouse.SigningKey, pos []string) error {
			fmt.Fprintf(e.stdout, "khóa ký mới / new signing key %s cho / for %s; khóa cũ vẫn xác minh những gì đã ký / the old one keeps verifying what it signed\n", out.KID, pos[0])
			return nil
		})
}

// cmdCompromiseKey declares an agency's current signing key compromised
// (sync/warehouse CompromiseAgencyKey): nothing it signed verifies any
// more, the agency gets a fresh key, and the wallets renew at sync.
func cmdCompromiseKey(e *env, args []string) error {
	return adminCall(e, args, "compromise-key", http.MethodPost, []string{"<agency-id>"},
		func(pos []string) string {
			return warehouse.AdminPathAgencies + "/" + url.PathEscape(pos[0]) + "/compromise-key"
		},
		func(out warehouse.CompromiseResult, pos []string) error {
			fmt.Fprintf(e.stdout, "khóa %s của %s bị lộ: không còn xác minh gì / key %s of %s compromised: verifies nothing from now on\n", out.Compromised.KID, pos[0], out.Compromised.KID, pos[0])
			fmt.Fprintf(e.stdout, "khóa ký mới / new signing key %s; ví sẽ nhận lại hồ sơ khi đồng bộ / wallets get fresh credentials at their next sync\n", out.Current.KID)
			return nil
		})
}

// adminCall is an admin command that makes one call: it parses the
// admin flags and the positional arguments usage names, calls method on
// path(pos) with no body, and prints the JSON answer with -json, or else
// what text writes of it.
func adminCall[T any](e *env, args []string, name, method string, usage []string, path func(pos []string) string, text func(out T, pos []string) error) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	var a adminFlags
	a.register(e, fs)
	pos, err := parse(e, fs, args, usage...)
	if err != nil {
		return err
	}
	var out T
	raw, err := a.call(e, method, path(pos), nil, &out)
	if err != nil {
		return err
	}
	if a.json {
		a.print(e, raw)
		return nil
	}
	return text(out, pos)
}
