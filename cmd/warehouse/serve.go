package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/cmd/internal/cli"
	"github.com/vnwallet/citizenwallet/cmd/internal/devtls"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
	"github.com/vnwallet/citizenwallet/sync/warehouse/embedded"
	"github.com/vnwallet/citizenwallet/sync/warehouse/postgres"
	"github.com/vnwallet/citizenwallet/wallet"
)

// RootKeyFile is the file serve writes the province root public key to,
// in the data directory: wallets and counters are configured with it.
const RootKeyFile = "root-key.jwk"

// serveConfig is what serve runs with.
type serveConfig struct {
	addr, admin, data string
	// db is the store: "" for the embedded store in data/db, or a
	// postgres:// URL.
	db string
	// keys is the key directory (default data/keys), unless hsmModule
	// names a PKCS#11 module: then the keys are in its token hsmToken,
	// whose PIN is in the file hsmPINFile.
	keys                            string
	hsmModule, hsmToken, hsmPINFile string
	// kekFile holds the key-encryption key the key files are sealed
	// under (made on first use); empty keeps them plain.
	kekFile  string
	citizens int
	seed     int64
	// maxConns caps the open connections of the protocol address.
	maxConns int
	// tokens is the admin tokens file (default data/admin-tokens.json);
	// adminHosts are extra Host names the admin API answers.
	tokens     string
	adminHosts string
	// publicURL and statusCapacity configure the status lists.
	publicURL      string
	statusCapacity int
	// httpsAddr, when set, also serves the protocol over https there,
	// with a self-signed certificate kept in tlsDir (default DATA/tls):
	// a warehouse on one machine then publishes status lists, and
	// publicURL defaults to https://<httpsAddr>.
	httpsAddr, tlsDir string
	// ready, when set, receives the bound addresses (tests listen on :0).
	ready func(api, admin string)
}

func cmdServe(e *env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var c serveConfig
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8640", "wallet-facing protocol and agency ingestion address")
	fs.StringVar(&c.admin, "admin", "127.0.0.1:8641", "admin API address (loopback only)")
	fs.StringVar(&c.data, "data", "", "data directory: the embedded store, the key directory, the root public key (default: the user cache directory's citizenwallet/warehouse)")
	fs.StringVar(&c.db, "db", "", "PostgreSQL URL (postgres://…); empty: the embedded store in the data directory")
	fs.StringVar(&c.keys, "keys", "", "key directory (default: DATA/keys); every process of one warehouse uses the same")
	fs.StringVar(&c.hsmModule, "hsm-module", "", "PKCS#11 module of the HSM that holds the keys (e.g. /usr/lib/softhsm/libsofthsm2.so); instead of -keys")
	fs.StringVar(&c.hsmToken, "hsm-token", "", "the HSM token's label")
	fs.StringVar(&c.kekFile, "keys-kek-file", "", "seal the key files under the key-encryption key in this file (32 random bytes, base64url; made if absent): keep it apart from -keys")
	fs.StringVar(&c.hsmPINFile, "hsm-pin-file", "", "file holding the token's user PIN (or $WAREHOUSE_HSM_PIN)")
	fs.IntVar(&c.citizens, "citizens", 1000, "citizens of the demo province to load into an empty store (0: none)")
	fs.Int64Var(&c.seed, "seed", 1, "demo province seed")
	fs.IntVar(&c.maxConns, "max-conns", warehouse.MaxConnections, "open connections of the protocol address at most (more wait)")
	fs.StringVar(&c.tokens, "admin-tokens", "", "who may use the admin API (default DATA/"+TokensFile+"; `warehouse admin-token` adds one)")
	fs.StringVar(&c.publicURL, "public-url", "", "the warehouse's public https base URL (e.g. https://dulieu.dongnai.gov.vn): status lists are published under it at /status/v1/; empty: credentials carry no status")
	fs.IntVar(&c.statusCapacity, "status-list-capacity", warehouse.DefaultStatusListCapacity, "entries per status list (a multiple of 8; never change it for a store)")
	fs.StringVar(&c.httpsAddr, "https-addr", "", "also serve over https here, with a self-signed certificate for this machine (status lists, issuer metadata; -public-url defaults to https://ADDR): for a warehouse tried on one machine")
	fs.StringVar(&c.tlsDir, "tls-dir", "", "where -https-addr keeps its certificate (default DATA/tls; a counter trusts DATA/tls/cert.pem with -status-ca)")
	fs.StringVar(&c.adminHosts, "admin-host", "", "other Host names the admin API answers, comma-separated (it always answers its loopback address)")
	if _, err := parse(e, fs, args); err != nil {
		return err
	}
	if c.data == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return cli.Usagef("no cache directory, give -data: %v", err)
		}
		c.data = filepath.Join(base, "citizenwallet", "warehouse")
	}
	return serve(e, c)
}

// openStore opens the store c names.
func openStore(ctx context.Context, c serveConfig) (warehouse.Store, string, error) {
	if c.db == "" {
		st, err := embedded.Open(filepath.Join(c.data, "db"))
		return st, "embedded " + filepath.Join(c.data, "db"), err
	}
	if !strings.HasPrefix(c.db, "postgres://") && !strings.HasPrefix(c.db, "postgresql://") {
		return nil, "", cli.Usagef("-db %q: give a postgres:// URL, or nothing for the embedded store", c.db)
	}
	st, err := postgres.Open(ctx, c.db)
	return st, "postgresql " + redactURL(c.db), err
}

// redactURL hides a password in a database URL.
func redactURL(s string) string {
	at := strings.LastIndex(s, "@")
	scheme := strings.Index(s, "://")
	if at < 0 || scheme < 0 {
		return s
	}
	user := s[scheme+3 : at]
	if name, _, ok := strings.Cut(user, ":"); ok {
		return s[:scheme+3] + name + ":***" + s[at:]
	}
	return s
}

// loadKEK reads a key-encryption key file, making one (0600) if there is
// none.
func loadKEK(path string) (kek []byte, made bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		kek = make([]byte, 32)
		if _, err := rand.Read(kek); err != nil {
			return nil, false, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, false, fmt.Errorf("key-encryption key: %w", err)
		}
		_, err = f.WriteString(base64.RawURLEncoding.EncodeToString(kek) + "\n")
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, false, fmt.Errorf("key-encryption key: %w", err)
		}
		return kek, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("key-encryption key: %w", err)
	}
	kek, err = base64.RawURLEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(kek) != 32 {
		return nil, false, fmt.Errorf("key-encryption key %s: not 32 bytes in base64url", path)
	}
	return kek, false, nil
}

// serve runs the warehouse until e.ctx is done.
func serve(e *env, c serveConfig) error {
	if err := loopbackOnly("-admin", c.admin, "the admin API serves only on loopback (127.0.0.1, ::1); publish it through the province's own proxy"); err != nil {
		return err
	}
	var prov demo.Province
	if c.citizens > 0 {
		p, err := demo.New(c.citizens, c.seed)
		if err != nil {
			return cli.Usagef("%v", err)
		}
		prov = p
	}
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return err
	}
	if c.keys == "" {
		c.keys = filepath.Join(c.data, "keys")
	}
	start := time.Now()
	st, where, err := openStore(e.ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()
	var ks warehouse.KeyStore = warehouse.FileKeys(c.keys)
	keysWhere := c.keys + "   (key files, NOT encrypted: seal them with -keys-kek-file; a province keeps its keys in an HSM, -hsm-module)"
	if c.kekFile != "" {
		kek, made, err := loadKEK(c.kekFile)
		if err != nil {
			return err
		}
		ks = warehouse.SealedFileKeys{Dir: c.keys, KEK: kek}
		keysWhere = c.keys + "   (key files sealed under the key-encryption key in " + c.kekFile + map[bool]string{true: ", made now: back it up", false: ""}[made] + ")"
	}
	// ES256 for every agency: the algorithm the HAIP profile (what
	// EU-style verifiers follow) requires, and the one HSMs make. Wallets
	// and counters verify EdDSA too (the tests exercise both).
	alg := func(int, string) keys.Alg { return keys.ES256 }
	if c.hsmModule != "" {
		pin := e.getenv("WAREHOUSE_HSM_PIN")
		if c.hsmPINFile != "" {
			b, err := os.ReadFile(c.hsmPINFile)
			if err != nil {
				return fmt.Errorf("HSM PIN: %w", err)
			}
			pin = strings.TrimSpace(string(b))
		}
		hsm, closeHSM, err := openHSM(c.hsmModule, c.hsmToken, pin)
		if err != nil {
			return fmt.Errorf("HSM: %w", err)
		}
		defer closeHSM()
		ks, keysWhere = hsm, fmt.Sprintf("PKCS#11 token %q (%s)", c.hsmToken, c.hsmModule)
	}
	// The https address is bound before the warehouse opens: its address
	// is the default public URL, which credentials name.
	var httpsLn net.Listener
	httpsWhere := ""
	if c.httpsAddr != "" {
		if err := loopbackOnly("-https-addr", c.httpsAddr, "its self-signed certificate is for this machine only; a province serves -public-url behind its own TLS front with a real certificate"); err != nil {
			return err
		}
		if c.tlsDir == "" {
			c.tlsDir = filepath.Join(c.data, "tls")
		}
		cert, made, err := devtls.Load(c.tlsDir, time.Now())
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", c.httpsAddr)
		if err != nil {
			return err
		}
		httpsLn = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		defer httpsLn.Close()
		if c.publicURL == "" {
			c.publicURL = "https://" + ln.Addr().String()
		}
		httpsWhere = fmt.Sprintf("  https     https://%s   (status lists, issuer and type metadata; self-signed%s: counters trust %s)\n",
			ln.Addr(), map[bool]string{true: ", made now", false: ""}[made], filepath.Join(c.tlsDir, devtls.CertFile))
	}
	srv, err := warehouse.Open(warehouse.Config{Store: st, Keys: ks, Province: demo.Province{}.Province(),
		PublicURL: c.publicURL, StatusListCapacity: c.statusCapacity})
	if err != nil {
		return err
	}
	defer srv.Close()
	loaded, err := loadDemo(e, srv, st, warehouse.FileKeys(c.keys), prov, alg)
	if err != nil {
		return err
	}
	if c.tokens == "" {
		c.tokens = filepath.Join(c.data, TokensFile)
	}
	var agencies []string
	if c.citizens > 0 {
		for _, a := range prov.Agencies() {
			agencies = append(agencies, a.ID)
		}
	}
	if err := ensureTokens(c.tokens, c.data, agencies); err != nil {
		return fmt.Errorf("admin tokens: %w", err)
	}
	root, _ := srv.RootKey().MarshalJSON()
	keyPath := filepath.Join(c.data, RootKeyFile)
	if err := os.WriteFile(keyPath, append(root, '\n'), 0o644); err != nil {
		return err
	}
	apiLn, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	adminLn, err := net.Listen("tcp", c.admin)
	if err != nil {
		apiLn.Close()
		return err
	}
	if c.maxConns <= 0 {
		c.maxConns = warehouse.MaxConnections
	}
	api := warehouse.NewHTTPServer(srv.Handler())
	tokens := &tokenSource{path: c.tokens}
	adm := warehouse.NewHTTPServer(srv.AdminHandler(warehouse.AdminConfig{Tokens: tokens.Tokens, Hosts: adminHosts(adminLn, strings.Split(c.adminHosts, ","))}))
	errc := make(chan error, 3)
	go func() { errc <- api.Serve(warehouse.LimitListener(apiLn, c.maxConns)) }()
	go func() { errc <- adm.Serve(adminLn) }()
	var public *http.Server
	if httpsLn != nil {
		public = warehouse.NewHTTPServer(srv.Handler())
		go func() { errc <- public.Serve(warehouse.LimitListener(httpsLn, c.maxConns)) }()
	}

	fmt.Fprintf(e.stdout, `Kho dữ liệu tham chiếu / reference warehouse (%s), ready in %s
  protocol  http://%s   (wallets, counters, agencies' ingestion)
  admin     http://%s   (loopback only; tokens in %s)
  store     %s
  keys      %s
  root key  %s
`, srv.Province(), time.Since(start).Round(time.Millisecond), apiLn.Addr(), adminLn.Addr(), c.tokens, where, keysWhere, keyPath)
	fmt.Fprint(e.stdout, httpsWhere)
	if c.publicURL != "" {
		fmt.Fprintf(e.stdout, "  public    %s   (credentials' iss and status lists)\n", c.publicURL)
	}
	if loaded != nil {
		fmt.Fprintf(e.stdout, "Demo citizen: %s %s (born %s). Enrolment code: warehouse code %s\n",
			loaded.CitizenID, loaded.FullName, loaded.BirthDate.Format(time.DateOnly), loaded.CitizenID)
	}
	if c.ready != nil {
		c.ready(apiLn.Addr().String(), adminLn.Addr().String())
	}
	select {
	case <-e.ctx.Done():
	case err = <-errc:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	api.Shutdown(ctx)
	adm.Shutdown(ctx)
	if public != nil {
		public.Shutdown(ctx)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(e.stdout, "stopped")
	return nil
}

// metaDemo names the Store meta value that records the demo loaded.
const metaDemo = "demo"

// loadDemo loads the demo province into a store that has no citizens yet
// (or finishes a load that stopped halfway: loaded citizens are skipped),
// and returns its first citizen; nil when no demo is asked for. The demo
// agencies' client keys are kept in the key directory as client-<id>, so
// `warehouse agency push` can sign as one.
func loadDemo(e *env, srv *warehouse.Server, st warehouse.Store, ks warehouse.FileKeys, prov demo.Province, alg func(int, string) keys.Alg) (*wallet.Profile, error) {
	if prov.N == 0 {
		return nil, nil
	}
	first := prov.Profile(0)
	// The demo a store was filled with is recorded, so a restart with
	// other settings is refused rather than mixing two provinces.
	want := fmt.Sprintf("%s seed %d citizens %d", demo.Generator, prov.Seed, prov.N)
	have, err := st.Meta(e.ctx, metaDemo)
	switch {
	case errors.Is(err, warehouse.ErrNotFound):
		if err := st.PutMeta(e.ctx, metaDemo, []byte(want)); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	case string(have) != want:
		return nil, cli.Usagef("the store holds the demo province %q, not %q: use another directory (or -citizens 0 to serve it as it is)", have, want)
	}
	if _, head, err := st.Citizen(e.ctx, prov.Profile(prov.N-1).CitizenID); err == nil && head > 0 {
		// Loaded before; a store loaded before the demo listed its
		// offices gets them now (never replacing a directory set since).
		if _, err := st.Meta(e.ctx, warehouse.MetaOffices); errors.Is(err, warehouse.ErrNotFound) {
			if err := srv.SetOffices(e.ctx, prov.Offices()); err != nil {
				return nil, err
			}
		}
		return &first, nil
	}
	fmt.Fprintf(e.stdout, "loading the demo province: %d citizens (seed %d) …\n", prov.N, prov.Seed)
	last := time.Now()
	err = srv.Load(e.ctx, prov, warehouse.LoadOptions{
		ClientKey: func(agency string) (*keys.PublicKey, error) {
			k, err := ks.Key("client-"+agency, keys.ES256)
			if err != nil {
				return nil, err
			}
			return k.Public(), nil
		},
		Alg:   alg,
		Chunk: 1000,
		Progress: func(done, total int) {
			if time.Since(last) > 5*time.Second || done == total {
				fmt.Fprintf(e.stdout, "  %d / %d citizens\n", done, total)
				last = time.Now()
			}
		},
	})
	if err != nil {
		return nil, err
	}
	return &first, nil
}

// loopbackOnly refuses an address (of flag flagName) that is not on
// loopback, saying why. The admin API authenticates every request, but it
// is the province's console, to be published (if at all) behind the
// province's own access controls, not bound to every interface by a
// typo; the self-signed https address names only this machine.
func loopbackOnly(flagName, addr, why string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return cli.Usagef("%s %q: %v", flagName, addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return cli.Usagef("%s %q: %s", flagName, addr, why)
	}
	return nil
}
