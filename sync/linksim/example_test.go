package linksim_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/vnwallet/citizenwallet/sync/linksim"
)

// An HTTP client on a (sped-up) 2G link: the request pays for the
// handshake and a round trip, and the Dialer counts the bytes on the wire.
func ExampleDialer() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "xin chào")
	}))
	defer srv.Close()

	p := linksim.Profile2G.SpeedUp(10) // 640 kbit/s down, 60 ms RTT
	d, err := linksim.NewDialer(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	tr := &http.Transport{DialContext: d.DialContext}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	start := time.Now()
	resp, err := client.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(body))
	fmt.Println("took at least two round trips:", time.Since(start) >= 2*p.RTT)
	s := d.Stats()
	fmt.Println("bytes up and down:", s.Up > 0, s.Down > int64(len(body)))
	// Output:
	// xin chào
	// took at least two round trips: true
	// bytes up and down: true true
}
