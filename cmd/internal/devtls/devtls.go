// Package devtls makes and loads the self-signed TLS certificate a
// warehouse run on one machine (make warehouse) serves its https
// addresses with (status lists, issuer and type metadata), and gives a
// counter on that machine a pool that trusts it. A province's warehouse
// sits behind its own TLS front with a real certificate instead.
package devtls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Files in the directory Load keeps.
const (
	CertFile = "cert.pem" // the certificate, to give a counter (-status-ca)
	KeyFile  = "key.pem"  // its private key, 0600
)

// Lifetime of a certificate Load makes; one that has 30 days or less
// left is made again.
const Lifetime = 365 * 24 * time.Hour

// Load returns the certificate kept in dir for localhost, 127.0.0.1 and
// ::1, making it (and dir) when there is none, when it runs out within
// 30 days, or when it does not name those hosts. made reports a new one.
func Load(dir string, now time.Time) (cert tls.Certificate, made bool, err error) {
	certPath, keyPath := filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile)
	if c, err := tls.LoadX509KeyPair(certPath, keyPath); err == nil && usable(c, now) {
		return c, false, nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return tls.Certificate{}, false, fmt.Errorf("devtls: %s: %w (delete %s to make a new one)", dir, err, dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tls.Certificate{}, false, fmt.Errorf("devtls: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, false, fmt.Errorf("devtls: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, false, fmt.Errorf("devtls: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "citizenwallet reference warehouse (this machine only)"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(Lifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		// Its own issuer: a counter trusts it as a root (-status-ca).
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, false, fmt.Errorf("devtls: %w", err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, false, fmt.Errorf("devtls: %w", err)
	}
	if err := writeFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return tls.Certificate{}, false, err
	}
	if err := writeFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return tls.Certificate{}, false, err
	}
	c, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return tls.Certificate{}, false, fmt.Errorf("devtls: %w", err)
	}
	return c, true, nil
}

// usable reports whether c names the loopback hosts and has more than 30
// days left at now.
func usable(c tls.Certificate, now time.Time) bool {
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil || now.Add(30*24*time.Hour).After(leaf.NotAfter) || now.Before(leaf.NotBefore) {
		return false
	}
	return leaf.VerifyHostname("127.0.0.1") == nil && leaf.VerifyHostname("localhost") == nil
}

// writeFile writes b to path through a temporary file and a rename, so a
// reader never sees half a file.
func writeFile(path string, b []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, mode); err != nil {
		return fmt.Errorf("devtls: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("devtls: %w", err)
	}
	return nil
}

// Pool reads a certificate file (CertFile of a warehouse's directory)
// into a pool that trusts it alone.
func Pool(certFile string) (*x509.CertPool, error) {
	b, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("devtls: %w", err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("devtls: %s holds no PEM certificate", certFile)
	}
	return p, nil
}

// Transport is an HTTP transport that trusts the certificate in certFile
// alone (a counter's StatusTransport for a warehouse on this machine).
func Transport(certFile string) (*http.Transport, error) {
	p, err := Pool(certFile)
	if err != nil {
		return nil, err
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: p, MinVersion: tls.VersionTLS12}
	return t, nil
}
