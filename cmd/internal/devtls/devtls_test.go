package devtls_test

import (
	"bytes"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/cmd/internal/devtls"
)

// TestLoad: the first Load makes the certificate, the next ones reuse it
// until 30 days before its end; a client with Transport reaches a server
// serving it on 127.0.0.1 and on localhost, one without is refused; a
// damaged file is an error that says where, not a silent new key.
func TestLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	now := time.Now()
	c, made, err := devtls.Load(dir, now)
	if err != nil || !made {
		t.Fatalf("first Load: made %v, %v", made, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, devtls.KeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, %v", fi, err)
	}
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{c}}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake below
	ts.StartTLS()
	defer ts.Close()
	tr, err := devtls.Transport(filepath.Join(dir, devtls.CertFile))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: tr}
	_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())
	for _, u := range []string{ts.URL, "https://localhost:" + port} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatalf("GET %s with the pool: %v", u, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "ok" {
			t.Errorf("GET %s: %q", u, b)
		}
	}
	if _, err := http.Get(ts.URL); err == nil {
		t.Error("a client without the pool trusts the self-signed certificate")
	}

	again, made, err := devtls.Load(dir, now.Add(300*24*time.Hour))
	if err != nil || made || !bytes.Equal(again.Certificate[0], c.Certificate[0]) {
		t.Fatalf("second Load: made %v, %v", made, err)
	}
	renewed, made, err := devtls.Load(dir, now.Add(devtls.Lifetime-29*24*time.Hour))
	if err != nil || !made || bytes.Equal(renewed.Certificate[0], c.Certificate[0]) {
		t.Fatalf("Load 29 days before the end: made %v, %v", made, err)
	}

	if err := os.WriteFile(filepath.Join(dir, devtls.KeyFile), []byte("damaged"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := devtls.Load(dir, now); err == nil || !bytes.Contains([]byte(err.Error()), []byte(dir)) {
		t.Errorf("damaged key: %v; want an error naming %s", err, dir)
	}
	if _, err := devtls.Pool(filepath.Join(dir, devtls.KeyFile)); err == nil {
		t.Error("Pool of a file without a certificate")
	}
}
