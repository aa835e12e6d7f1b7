//go:build unix

package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// usage returns this process's CPU seconds (user+system) and peak RSS in KiB. The peak comes
// from /proc/self/status VmHWM where available: ru_maxrss survives execve on Linux, so a child
// of a large process (such as Node) would report its parent's peak.
func usage() (cpuSeconds float64, maxRSSKiB int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		sec := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
		cpuSeconds = sec(ru.Utime) + sec(ru.Stime)
		maxRSSKiB = int64(ru.Maxrss)
	}
	if f, err := os.Open("/proc/self/status"); err == nil {
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
				if kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64); err == nil {
					maxRSSKiB = kib
				}
			}
		}
	}
	return cpuSeconds, maxRSSKiB
}
