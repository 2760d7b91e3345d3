# callgrind-part.awk — reads one callgrind profile part (one dump, written
# with --compress-strings=no --compress-pos=no) and prints
#     "<instructions> <allocation calls> <inclusive Ir of calls to FN>"
# Allocation calls are calls to malloc/calloc/realloc/posix_memalign/
# aligned_alloc/memalign/valloc: every Swift object or buffer and every C
# allocation goes through one of them. Set -v inclusive=FN to also sum the
# inclusive cost of the calls to FN (e.g. srtp_unprotect); 0 otherwise.
/^summary:/ { ir = $2 }
/^cfn=/ {
    name = substr($0, 5); sub(/^\([0-9]+\) */, "", name); sub(/'[0-9]+$/, "", name)
    alloc = (name ~ /^(__libc_)?(malloc|calloc|realloc|posix_memalign|aligned_alloc|memalign|valloc)$/)
}
take { fn += $NF; take = 0 }
/^calls=/ {
    if (alloc) { split(substr($0, 7), f, " "); allocs += f[1] }
    # The line after a call holds the call's inclusive cost.
    if (inclusive != "" && name == inclusive) take = 1
}
END { printf "%d %d %d\n", ir, allocs, fn }
