// Package linksim simulates the poor mobile links a citizen's phone meets
// (2G in a hamlet without proper coverage, 3G, weak 4G) on top of real
// network connections, for tests and benchmarks of sync and of the
// counter's online checks. It is never used by the shipped programs.
//
// # Model
//
// A link has, in each direction, a serializer of a fixed rate followed by
// a fixed propagation delay of half the round-trip time:
//
//   - A byte written at time t enters the serializer when everything
//     written before it has left it; it leaves after its share of the
//     rate, in segments of at least one TCP MSS (1460 bytes), so a reader
//     on a slow link sees data trickle in packet by packet.
//   - It reaches the other end RTT/2 after leaving the serializer. Bytes
//     in flight overlap, so a long transfer takes RTT/2 plus its size over
//     the rate, and throughput converges to the rate.
//
// Only one end of a connection is wrapped, and that end applies both
// directions: Wrap and Dialer wrap the device end (writes go up, reads
// come down); Listen wraps the network end (writes go down, reads come
// up). Wrapping both ends would count the link twice.
//
// A Dialer charges one RTT for the TCP handshake before it connects; a
// Listener cannot delay its plain clients' handshake.
//
// Writes return once the bytes are queued, like writes into a socket's
// send buffer; the queue holds at least 64 KiB or twice the
// bandwidth-delay product, and a full queue blocks Write (with deadline).
// Loss, reordering, jitter and TCP's slow start are not modelled.
//
// # Profiles
//
//	profile   down         up           RTT
//	2G        64 kbit/s    32 kbit/s    600 ms
//	3G        384 kbit/s   128 kbit/s   300 ms
//	4G        1.6 Mbit/s   750 kbit/s   150 ms   (weak 4G)
//
// Each variable's comment gives its source. Profile.SpeedUp scales a
// profile (rates up, RTT down) so a test keeps its shape and runs quickly.
//
// # Failures
//
// Conn.Cut breaks a link at once: bytes in flight are lost, the inner TCP
// connection is reset (RST), and both ends see errors. Profile.CutAfter
// breaks every connection after a number of bytes, for tests that must
// resume an interrupted sync. Operations on a cut Conn fail with an error
// matching ErrCut.
//
// # Counting
//
// Conn, Listener and Dialer count the bytes put on the link each way
// (Stats), the figure benchmarks report as bytes on the wire: HTTP headers
// and bodies (or TLS records), not TCP/IP overhead.
package linksim
