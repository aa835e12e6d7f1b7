//go:build unix

package main

import "syscall"

// usage returns this process's CPU seconds (user+system) and peak RSS in KiB.
func usage() (cpuSeconds float64, maxRSSKiB int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	sec := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return sec(ru.Utime) + sec(ru.Stime), int64(ru.Maxrss) // Linux reports ru_maxrss in KiB
}
