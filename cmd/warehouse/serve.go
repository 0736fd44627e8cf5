package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
)

// RootKeyFile is the file serve writes the province root public key to,
// in the data directory: wallets and counters are configured with it.
const RootKeyFile = "root-key.jwk"

// serveConfig is what serve runs with.
type serveConfig struct {
	addr, admin, data string
	citizens          int
	seed              int64
	// ready, when set, receives the bound addresses (tests listen on :0).
	ready func(api, admin string)
}

func cmdServe(e *env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var c serveConfig
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8640", "wallet-facing protocol address")
	fs.StringVar(&c.admin, "admin", "127.0.0.1:8641", "admin API address (loopback only)")
	fs.StringVar(&c.data, "data", "", "data directory (default: the user cache directory's citizenwallet/warehouse)")
	fs.IntVar(&c.citizens, "citizens", 1000, "citizens in the demo province (first start only)")
	fs.Int64Var(&c.seed, "seed", 1, "demo province seed (first start only)")
	if _, err := parse(e, fs, args); err != nil {
		return err
	}
	if c.data == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return usageErr("no cache directory, give -data: %v", err)
		}
		c.data = filepath.Join(base, "citizenwallet", "warehouse")
	}
	return serve(e, c)
}

// serve runs the warehouse until e.ctx is done.
func serve(e *env, c serveConfig) error {
	if err := loopbackOnly(c.admin); err != nil {
		return err
	}
	prov, err := demo.New(c.citizens, c.seed)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return err
	}
	start := time.Now()
	srv, err := warehouse.Open(warehouse.Config{Dir: filepath.Join(c.data, "db"), Source: prov, Seed: c.seed})
	if err != nil {
		return err
	}
	defer srv.Close()
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
	api := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	adm := &http.Server{Handler: srv.AdminHandler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 2)
	go func() { errc <- api.Serve(apiLn) }()
	go func() { errc <- adm.Serve(adminLn) }()

	p0 := prov.Profile(0)
	fmt.Fprintf(e.stdout, `Kho dữ liệu tham chiếu / reference warehouse (%s, %d citizens, seed %d), ready in %s
  protocol  http://%s
  admin     http://%s   (loopback only)
  data      %s
  root key  %s
Demo citizen: %s %s (born %s). Enrolment code: warehouse code %s
`, prov.Province(), prov.Citizens(), c.seed, time.Since(start).Round(time.Millisecond),
		apiLn.Addr(), adminLn.Addr(), c.data, keyPath,
		p0.CitizenID, p0.FullName, p0.BirthDate.Format(time.DateOnly), p0.CitizenID)
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
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(e.stdout, "stopped")
	return nil
}

// loopbackOnly refuses an admin address that is not on loopback: the
// admin API has no authentication (it stands in for the agencies' own
// systems).
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usageErr("-admin %q: %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return usageErr("-admin %q: the admin API has no authentication and serves only on loopback (127.0.0.1, ::1)", addr)
	}
	return nil
}
