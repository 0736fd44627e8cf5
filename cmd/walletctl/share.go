package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/cmd/internal/cli"
	"github.com/vnwallet/citizenwallet/cmd/internal/devtls"
	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/counter"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/share"
)

// listFlag collects a repeatable, comma-separated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// ---- share ----

type shareArgs struct {
	procedure, to, counter, counterName, nonce, qrDir string
	minutes                                           int
	singleUse, yes, online                            bool
	remove, add                                       listFlag
}

func setupShare(fs *flag.FlagSet) runner {
	var a shareArgs
	fs.StringVar(&a.procedure, "procedure", "", "procedure code (walletctl procedures)")
	fs.StringVar(&a.to, "to", "", "recipient agency id")
	fs.StringVar(&a.counter, "counter", "", "counter id")
	fs.StringVar(&a.counterName, "counter-name", "", "counter name")
	fs.StringVar(&a.nonce, "nonce", "", "nonce shown by the counter")
	fs.StringVar(&a.qrDir, "qr-dir", "", "write the QR codes as PNG files here")
	fs.IntVar(&a.minutes, "minutes", 15, "lifetime in minutes (at most 43200, 30 days)")
	fs.BoolVar(&a.singleUse, "single-use", false, "valid for one use")
	fs.BoolVar(&a.yes, "yes", false, "confirm: share what the preview shows")
	fs.BoolVar(&a.online, "online", false, "a small online token the counter redeems at the warehouse (which logs the use)")
	fs.Var(&a.remove, "remove", "type.claim to leave out (repeatable)")
	fs.Var(&a.add, "add", "type.claim to add (repeatable)")
	return func(e *env, args []string) error { return cmdShare(e, a, args) }
}

func cmdShare(e *env, a shareArgs, args []string) error {
	if len(args) != 0 || a.procedure == "" || a.to == "" {
		return cli.Usagef("cách dùng / usage: walletctl share --procedure CODE --to AGENCY [--remove type.claim] [--add type.claim] [--minutes N] [--single-use] [--yes]")
	}
	if a.minutes < 1 || time.Duration(a.minutes)*time.Minute > wallet.MaxConsentLifetime {
		return cli.Usagef("--minutes phải từ 1 đến 43200 (30 ngày) / must be 1 to 43200 (30 days)")
	}
	cat, err := assets.Procedures()
	if err != nil {
		return err
	}
	p, ok := cat.Lookup(a.procedure)
	if !ok {
		return &cli.Error{Code: exitNotFound, Msg: fmt.Sprintf("không có thủ tục / no procedure %q (walletctl procedures)", a.procedure)}
	}
	return e.withStore(func(s wallet.Store) error {
		recs, err := s.Records(e.ctx, wallet.Query{})
		if err != nil {
			return err
		}
		pr := wallet.Propose(p, recs)
		for _, list := range []struct {
			names listFlag
			on    bool
		}{{a.remove, false}, {a.add, true}} {
			for _, tc := range list.names {
				typ, claim, _ := strings.Cut(tc, ".")
				if i := strings.LastIndex(tc, "."); i > 0 {
					typ, claim = tc[:i], tc[i+1:]
				}
				if !pr.Set(typ, claim, list.on) {
					return &cli.Error{Code: exitInvalid, Msg: fmt.Sprintf("%s không thuộc thủ tục này hoặc ví không có / is not a field of this procedure or the wallet does not hold it", tc)}
				}
			}
		}
		writePreview(e.stdout, pr, a)
		if !a.yes {
			fmt.Fprintln(e.stdout, "\nChưa chia sẻ gì. Thêm --yes để xác nhận / Nothing shared yet. Add --yes to confirm.")
			return nil
		}
		dev, err := client.DeviceKey(e.ctx, s)
		if err != nil {
			return syncError(err)
		}
		h, err := wallet.OpenConsentHistory(e.ctx, s)
		if err != nil {
			return err
		}
		shareFn := share.Share
		if a.online {
			shareFn = share.ShareOnline
		}
		sh, err := shareFn(e.ctx, s, h, dev, share.Request{Proposal: pr,
			Recipient: wallet.Recipient{Agency: a.to, CounterID: a.counter, Name: a.counterName},
			Lifetime:  time.Duration(a.minutes) * time.Minute, SingleUse: a.singleUse, Nonce: a.nonce,
			Method: "walletctl: preview printed, confirmed with --yes", Now: e.now()})
		if err != nil {
			if errors.Is(err, share.ErrUnsigned) {
				return &cli.Error{Code: exitInvalid, Msg: "hồ sơ được chọn chưa có chữ ký của cơ quan cấp, hãy đồng bộ trước / a selected record has no agency signature, sync first"}
			}
			return err
		}
		fmt.Fprintf(e.stdout, "\nĐã chia sẻ / Shared: đồng ý / consent %s, hết hạn / expires %s, %d mã QR / QR codes\n",
			sh.Consent.ID, sh.Consent.Expires.Local().Format(viDateTime), len(sh.Parts))
		for i, part := range sh.Parts {
			fmt.Fprintln(e.stdout, part)
			if a.qrDir != "" {
				if err := writePNG(filepath.Join(a.qrDir, fmt.Sprintf("consent-%d-of-%d.png", i+1, len(sh.Parts))), part); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func writePreview(w io.Writer, pr wallet.Proposal, a shareArgs) {
	p := pr.Procedure
	fmt.Fprintf(w, "Thủ tục / Procedure: %s / %s\nGửi cho / To: %s\nMục đích / Purpose: %s\nCơ sở pháp lý / Legal basis: %s\nThời hạn / Valid for: %d phút / minutes\n\n",
		p.Name.VI, p.Name.EN, a.to, p.Purpose.Text.VI, p.LegalBasis.VI, a.minutes)
	fmt.Fprintln(w, "Sẽ rời khỏi máy / Will leave this device:")
	for _, it := range pr.Items {
		if !it.Selected {
			continue
		}
		mark := ""
		if it.Sensitive() {
			mark = "  [nhạy cảm / sensitive]"
		}
		fmt.Fprintf(w, "  • %s (%s) — %s%s\n", it.Field().Label.VI, typeLabel(it.Type).VI, it.Source.RecordID, mark)
	}
	if lack := pr.Lacking(); len(lack) > 0 {
		fmt.Fprintln(w, "\nThủ tục còn thiếu, sẽ phải khai trên giấy / The procedure will lack (to be given on paper):")
		for _, it := range lack {
			fmt.Fprintf(w, "  • %s (%s)\n", it.Field().Label.VI, typeLabel(it.Type).VI)
		}
	}
}

func writePNG(path, text string) error {
	img, err := qrtext.Render(text, 'M', 8)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ---- procedures ----

func cmdProcedures(e *env, args []string) error {
	cat, err := assets.Procedures()
	if err != nil {
		return err
	}
	for _, p := range cat.Procedures() {
		fmt.Fprintf(e.stdout, "%-36s %s / %s\n", p.Code, p.Name.VI, p.Name.EN)
	}
	return nil
}

// ---- verify (counter) ----

type verifyArgs struct {
	rootKey, warehouse, audience, replay, counterID, statusCA string
	images                                                    listFlag
}

func setupVerify(fs *flag.FlagSet) runner {
	var a verifyArgs
	fs.StringVar(&a.rootKey, "root-key", "", "the province root key (JWK file)")
	fs.StringVar(&a.warehouse, "warehouse", "http://127.0.0.1:8640", "warehouse address, for a fresh trust list")
	fs.StringVar(&a.audience, "audience", "", "this counter's agency id")
	fs.StringVar(&a.replay, "replay", "", "replay cache file (default: in the user cache directory)")
	fs.StringVar(&a.counterID, "counter", "", "this counter's id (reported to the citizen for online tokens)")
	fs.Var(&a.images, "image", "read a QR from this image (PNG or JPEG; repeatable)")
	fs.StringVar(&a.statusCA, "status-ca", "", "fetch the agencies' status lists trusting this certificate (PEM) alone: the self-signed one of a warehouse run on this machine (make warehouse: bin/warehouse/tls/cert.pem)")
	return func(e *env, args []string) error { return cmdVerify(e, a, args) }
}

// cmdVerify is the counter: it needs no profile and no PIN.
func cmdVerify(e *env, a verifyArgs, args []string) error {
	if a.rootKey == "" || a.audience == "" {
		return cli.Usagef("cách dùng / usage: walletctl verify --root-key FILE --audience AGENCY [--image F.png] [QR text ...] (or QR texts on stdin)")
	}
	root, err := readRootKey(a.rootKey)
	if err != nil {
		return err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	cfg := counter.Config{BaseURL: a.warehouse, RootKey: root, Agency: a.audience, CounterID: a.counterID,
		Dir: filepath.Join(cache, "citizenwallet", "counter"), Replay: a.replay, Now: e.now}
	if a.statusCA != "" {
		tr, err := devtls.Transport(a.statusCA)
		if err != nil {
			return cli.Usagef("--status-ca: %v", err)
		}
		cfg.StatusTransport = tr
	}
	c, err := counter.Open(cfg)
	if err != nil {
		return cli.Usagef("--warehouse %q: %v", a.warehouse, err)
	}
	defer c.Close()
	status := c.Refresh(e.ctx)
	if status == counter.None {
		return &cli.Error{Code: exitFailure, Msg: "không có danh sách tin cậy (chưa từng kết nối kho dữ liệu) / no trust list (never reached the warehouse)"}
	}
	parts := args
	for _, path := range a.images {
		text, err := readImageFile(path)
		if err != nil {
			return &cli.Error{Code: exitInvalid, Msg: fmt.Sprintf("%s: không đọc được mã QR / no readable QR: %v", path, err)}
		}
		parts = append(parts, text)
	}
	if len(parts) == 0 {
		sc := bufio.NewScanner(io.LimitReader(e.stdin, 1<<20))
		sc.Buffer(make([]byte, 8192), 1<<20)
		for sc.Scan() {
			if t := strings.TrimSpace(sc.Text()); t != "" {
				parts = append(parts, t)
			}
		}
	}
	if status == counter.Cached {
		fmt.Fprintln(e.stdout, "(ngoại tuyến, hoặc không cập nhật được mọi danh sách: dùng bản đã lưu / offline, or not every list could be refreshed: using the cached ones)")
	}
	tok, err := qrtext.Decode(parts, qrtext.Limits{})
	if err != nil {
		err = fmt.Errorf("%w: %w", consent.ErrQR, err)
		c.Refused(err)
		return &cli.Error{Code: exitInvalid, Msg: "KHÔNG HỢP LỆ / INVALID: " + err.Error()}
	}
	res, err := c.Verify(e.ctx, tok)
	if errors.Is(err, client.ErrOffline) {
		return &cli.Error{Code: exitFailure, Msg: "mã trực tuyến cần kết nối kho dữ liệu; hãy đề nghị công dân đưa mã ngoại tuyến / an online token needs the warehouse; ask for an offline QR"}
	}
	if err != nil {
		return &cli.Error{Code: exitInvalid, Msg: "KHÔNG HỢP LỆ / INVALID: " + err.Error()}
	}
	fmt.Fprintf(e.stdout, "HỢP LỆ / VALID — đồng ý / consent %s, mục đích / purpose %s, thủ tục / procedure %s, hết hạn / expires %s\n",
		res.ID, res.Purpose, res.Procedure, res.Expires.Local().Format(viDateTime))
	fmt.Fprintln(e.stdout, revocationNote(c, !strings.Contains(tok, "~"), e.now()))
	for _, st := range res.Statuses {
		fmt.Fprintln(e.stdout, withdrawalNote(st))
	}
	last := 0
	for _, f := range res.Fields {
		if f.Record != last { // the token's records, in order
			fmt.Fprintf(e.stdout, "\n%s — %s (%s)\n", typeLabel(f.Type).VI, f.IssuerName.VI, f.Issuer)
			last = f.Record
		}
		label := f.Claim
		if t, ok := wallet.LookupType(f.Type); ok {
			if fd, ok := t.Field(f.Claim); ok {
				label = fd.Label.VI
			}
		}
		fmt.Fprintf(e.stdout, "  %s: %v\n", label, f.Value)
	}
	return nil
}

// revocationNote says how the verdict's revocation was checked.
func revocationNote(c *counter.Counter, online bool, now time.Time) string {
	if online {
		return "(thu hồi: đã kiểm tra trực tuyến / revocation: checked online at the warehouse)"
	}
	st := c.RevocationStatus()
	switch {
	case !st.Have:
		return "CẢNH BÁO / WARNING: chưa có danh sách thu hồi, không biết công dân có thu hồi hay không / no revocation list: whether the citizen revoked this consent is unknown"
	case st.Stale:
		return fmt.Sprintf("CẢNH BÁO / WARNING: danh sách thu hồi đã cũ %s (lúc %s); thu hồi sau đó chưa được biết / the revocation list is %s old (of %s); later revocations are not known",
			now.Sub(st.AsOf).Round(time.Minute), st.AsOf.Local().Format(viDateTime), now.Sub(st.AsOf).Round(time.Minute), st.AsOf.Local().Format(viDateTime))
	}
	return fmt.Sprintf("(danh sách thu hồi lúc / revocation list of %s)", st.AsOf.Local().Format(viDateTime))
}

// withdrawalNote says how the agency's withdrawal of one record was
// checked (its Token Status List, offline).
func withdrawalNote(st consent.CredentialStatus) string {
	if st.Checked {
		return fmt.Sprintf("(rút lại: hồ sơ %d còn hiệu lực theo danh sách của %s cập nhật %s trước / withdrawal: record %d valid by the list of %s of %s ago)",
			st.Record, st.Issuer, st.Age.Round(time.Second), st.Record, st.Issuer, st.Age.Round(time.Second))
	}
	return fmt.Sprintf("CẢNH BÁO / WARNING: không kiểm tra được cơ quan %s có rút lại hồ sơ %d không / could not check whether %s withdrew record %d: %s",
		st.Issuer, st.Record, st.Issuer, st.Record, st.Reason)
}

func readImageFile(path string) (string, error) {
	img, err := qrtext.DecodeImageFile(path) // refuses an image bomb from its header
	if err != nil {
		return "", err
	}
	return qrtext.ReadImage(img)
}
