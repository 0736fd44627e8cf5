package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vnwallet/citizenwallet/cmd/internal/cli"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/protocol"
)

// cmdAgency runs an agency's side of the ingestion API (the LGSP feed):
//
//	warehouse agency push -agency ID [-key FILE] [-url URL] BATCH.json|-
//
// BATCH is a protocol.IngestRequest: an optional idempotency key and up
// to 1 000 operations. The request is signed with the agency's client
// key (default: the demo's client-<ID>.jwk in the key directory).
func cmdAgency(e *env, args []string) error {
	if len(args) == 0 || args[0] != "push" {
		return cli.Usagef("cách dùng / usage: warehouse agency push -agency ID [-key FILE] [-url URL] <batch.json|->")
	}
	fs := flag.NewFlagSet("agency push", flag.ContinueOnError)
	agency := fs.String("agency", "", "the agency's issuer id, e.g. vn.dongnai.soyte")
	keyFile := fs.String("key", "", "the agency's client private key (JWK); default: the demo's in -data's key directory")
	data := fs.String("data", "", "the demo warehouse's data directory (for the default -key)")
	base := fs.String("url", "", "the warehouse's protocol address (default http://127.0.0.1:8640, or $WAREHOUSE_URL)")
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	pos, err := parse(e, fs, args[1:], "<batch.json | ->")
	if err != nil {
		return err
	}
	if *agency == "" {
		return cli.Usagef("-agency is required")
	}
	if *base == "" {
		if *base = e.getenv("WAREHOUSE_URL"); *base == "" {
			*base = "http://127.0.0.1:8640"
		}
	}
	if *keyFile == "" {
		dir := *data
		if dir == "" {
			cache, err := os.UserCacheDir()
			if err != nil {
				return cli.Usagef("give -key or -data: %v", err)
			}
			dir = filepath.Join(cache, "citizenwallet", "warehouse")
		}
		*keyFile = filepath.Join(dir, "keys", "client-"+*agency+".jwk")
	}
	kb, err := os.ReadFile(*keyFile)
	if err != nil {
		return &cli.Error{Code: exitNotFound, Msg: fmt.Sprintf("khóa của cơ quan / the agency's client key: %v", err)}
	}
	key, err := keys.ParsePrivateJWK(kb)
	if err != nil {
		return &cli.Error{Code: exitInvalid, Msg: fmt.Sprintf("%s: %v", *keyFile, err)}
	}
	var body []byte
	if pos[0] == "-" {
		body, err = io.ReadAll(io.LimitReader(e.stdin, protocol.MaxIngestBytes+1))
	} else {
		body, err = os.ReadFile(pos[0])
	}
	if err != nil {
		return &cli.Error{Code: exitInvalid, Msg: err.Error()}
	}
	var batch protocol.IngestRequest
	if err := json.Unmarshal(body, &batch); err != nil {
		return &cli.Error{Code: exitInvalid, Msg: fmt.Sprintf("%s is not a batch (protocol.IngestRequest JSON): %v", pos[0], err)}
	}
	auth, err := protocol.SignAgencyRequest(key, *agency, http.MethodPost, protocol.PathIngest, body, time.Now())
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, strings.TrimSuffix(*base, "/")+protocol.PathIngest, bytes.NewReader(body))
	if err != nil {
		return cli.Usagef("-url %q: %v", *base, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", auth)
	resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the warehouse at %s: %w", *base, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, protocol.MaxResponseBytes))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var pe protocol.Error
		msg := strings.TrimSpace(string(raw))
		if json.Unmarshal(raw, &pe) == nil && pe.Message != "" {
			msg = pe.Code + ": " + pe.Message
		}
		code := exitFailure
		if resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusConflict || resp.StatusCode == http.StatusUnauthorized {
			code = exitInvalid
		}
		return &cli.Error{Code: code, Msg: fmt.Sprintf("%s: %s", resp.Status, msg)}
	}
	var out protocol.IngestResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("bad answer from the warehouse: %w", err)
	}
	if *asJSON {
		(&adminFlags{}).print(e, raw)
	} else {
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "#\tKẾT QUẢ / RESULT\tMÃ HỒ SƠ\tPB\tSEQ\tLỖI / ERROR")
		for _, r := range out.Results {
			msg := ""
			if r.Error != nil {
				msg = r.Error.Code + ": " + r.Error.Message
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\n", r.Index, r.Status, r.RecordID, r.Version, r.Seq, msg)
		}
		tw.Flush()
		replayed := ""
		if out.Replayed {
			replayed = " (replayed: this batch was applied before; nothing written now)"
		}
		fmt.Fprintf(e.stdout, "%d stored, %d operations%s\n", out.Stored, len(out.Results), replayed)
	}
	for _, r := range out.Results {
		if r.Status == protocol.IngestRefused {
			return &cli.Error{Code: exitInvalid, Msg: "some operations were refused (see above); nothing was stored for them"}
		}
	}
	return nil
}
