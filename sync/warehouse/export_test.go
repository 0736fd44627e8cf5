package warehouse

// HoldDevice takes n of a device's request slots, as n requests in
// progress would, and returns the function that gives them back.
func (s *Server) HoldDevice(device string, n int) (release func()) {
	held := 0
	for ; held < n && s.perDevice.enter(device); held++ {
	}
	return func() {
		for ; held > 0; held-- {
			s.perDevice.leave(device)
		}
	}
}
