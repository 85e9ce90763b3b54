# tests/bench/s3get_report.awk — the figures of tests/bench/sec_s3get.sh from
# its results file (lines "ROUND TAG WALL_S CPU_S"; tags mlc, aws, s3cmd,
# mlc_md5): each tool's median wall time and CPU over the rounds, and the
# median of the per-round ratios (a round's console figure over the same
# round's peer figure). Variables: mb (the object's MiB), rounds, md5 (the
# CPU seconds of the MD5 alone).

function median(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

# The median over the rounds of field f (2 wall, 3 cpu) of tag x over tag y.
function ratio(x, y, f,    r, n, a) {
	n = 0
	for (r = 1; r <= rounds; r++)
		if ((r SUBSEP x) in v && (r SUBSEP y) in v) {
			split(v[r, x], xa, " ")
			split(v[r, y], ya, " ")
			a[++n] = xa[f] / ya[f]
		}
	return n ? median(a, n) : -1
}

function tagmed(x, f,    r, n, a, fa) {
	n = 0
	for (r = 1; r <= rounds; r++)
		if ((r SUBSEP x) in v) {
			split(v[r, x], fa, " ")
			a[++n] = fa[f]
		}
	cnt[x] = n
	return n ? median(a, n) : -1
}

{ v[$1, $2] = $2 " " $3 " " $4 }

END {
	split("mlc aws s3cmd mlc_md5", order, " ")
	label["mlc"] = "mlconsole, multipart object"
	label["aws"] = "aws s3 cp, multipart object"
	label["s3cmd"] = "s3cmd get, multipart object"
	label["mlc_md5"] = "mlconsole, single-part + MD5"
	for (i = 1; i <= 4; i++) {
		t = order[i]
		w = tagmed(t, 2)
		c = tagmed(t, 3)
		if (cnt[t])
			printf "  %-30s wall %7.2f s   CPU %6.2f s   %5.0f MB/s   (medians of %d)\n", label[t], w, c, mb * 1.048576 / w, cnt[t]
	}
	printf "  %-30s                 CPU %6.2f s   (openssl dgst -md5 of the file: in the single-part figure only)\n", "the MD5 alone", md5
	print "  ratios, medians of the per-round ratios:"
	if ((rw = ratio("mlc", "aws", 2)) > 0)
		printf "    multipart object: wall %.2fx of aws s3 cp (goal < 1), CPU %.2fx of its CPU (goal <= 0.5)\n", rw, ratio("mlc", "aws", 3)
	if ((rw = ratio("mlc", "s3cmd", 2)) > 0)
		printf "    multipart object: wall %.2fx of s3cmd get (goal < 1), CPU %.2fx of its CPU\n", rw, ratio("mlc", "s3cmd", 3)
	if ((rw = ratio("mlc_md5", "aws", 2)) > 0)
		printf "    single-part object, MD5 verified: wall %.2fx of aws s3 cp's (multipart object, not verified), CPU %.2fx\n", rw, ratio("mlc_md5", "aws", 3)
}
