#!/bin/bash
# Usage: bench-plot.sh DATADIR OUT.svg TITLE
# Draws make bench's figures from the series tdproot-bench printed as
# "plot SERIES X Y" lines (bench.sh splits them into DATADIR/SERIES.dat):
# the contender's wait for mmu_lock against the root's size, the zap's cost
# per leaf against the floor, fault throughput against threads, and the
# vCPU stall distribution. A case that did not run leaves its panel empty.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"
(($# == 3)) || die "usage: bench-plot.sh DATADIR OUT.svg TITLE"
data=$1 svg=$2 title=$3
need_pkgs gnuplot-nox

has() { [[ -s $data/$1.dat ]]; }
# plot_or_note PLOT-COMMAND SERIES...: the plot, or a note that the case did not run.
plot_or_note() {
	local cmd=$1 s
	shift
	for s in "$@"; do
		has "$s" || {
			# A function below the range: an empty frame, not an error.
			echo 'unset logscale; set label 1 "not run" at graph 0.5, 0.5 center'
			echo 'plot [0:1][0:1] -1 notitle'
			echo 'unset label 1'
			return
		}
	done
	echo "$cmd"
}

{
	echo "set terminal svg size 1200,900 dynamic noenhanced font 'sans,11' background '#ffffff'"
	echo "set output '$svg'"
	echo "set datafile separator whitespace"
	echo "set key top left"
	echo "set grid"
	echo "set multiplot layout 2,2 title 'tdproot make bench: $title'"

	echo "set title 'P1: writer wait for mmu_lock while a root is zapped'"
	echo "set xlabel 'root size (GiB of 4K leaves)'; set ylabel 'ms'"
	echo "set logscale xy 2"
	plot_or_note "plot '$data/p1_yield_max.dat' with linespoints title 'max wait, yielding', \
'$data/p1_yield_step.dat' with linespoints title 'longest zap step, yielding', \
'$data/p1_noyield_max.dat' with linespoints title 'max wait, no yield'" \
		p1_yield_max p1_yield_step p1_noyield_max
	echo "unset logscale"

	echo "set title 'P2: zap cost per leaf against the floor'"
	echo "set xlabel ''; set ylabel 'ns per leaf'"
	echo "set style fill solid 0.6; set boxwidth 0.6; set yrange [0:*]; set xrange [-0.5:2.5]"
	plot_or_note "plot '$data/p2.dat' using 1:2:xtic(3) with boxes notitle" p2
	echo "set xtics auto; set autoscale xy"

	echo "set title 'P3: fault throughput (populate) against threads'"
	echo "set xlabel 'threads'; set ylabel 'million faults/s'; set xtics 1; set yrange [0:*]"
	echo "set xrange [0.5:2.5]"
	plot_or_note "plot '$data/p3_shared.dat' with linespoints title 'mmu_lock shared', \
'$data/p3_exclusive.dat' with linespoints title 'mmu_lock exclusive'" p3_shared p3_exclusive
	echo "set xtics auto; set autoscale xy"

	echo "set title 'P4: vCPU stall after zap_all (one vCPU), log2 buckets'"
	echo "set xlabel 'stall, lower bound of bucket (us)'; set ylabel 'reloads'"
	echo "set logscale x 2; set logscale y 10"
	plot_or_note "plot '$data/p4_small.dat' with linespoints title 'root of 1G (quick: 64M)', \
'$data/p4_big.dat' with linespoints title 'root of 16G (quick: 256M)'" p4_small p4_big
	echo "unset multiplot"
} >"$data/plot.gp"
gnuplot "$data/plot.gp"
[[ -s $svg ]] || die "gnuplot wrote no $svg"
