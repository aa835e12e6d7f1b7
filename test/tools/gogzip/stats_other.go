//go:build !unix

package main

func usage() (cpuSeconds float64, maxRSSKiB int64) { return 0, 0 }
