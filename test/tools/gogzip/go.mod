module github.com/flux-oci-action/test/tools/gogzip

go 1.26
