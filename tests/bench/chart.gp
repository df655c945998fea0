# chart.gp: throughput and latency per test and route, from the data file bench.py writes.
#   gnuplot -e "datafile='F'; outfile='OUT.png'; charttitle='T'" tests/bench/chart.gp
# Columns: test, qps of direct, haproxy, jitgate, then their average latencies in ms; "-" where a
# route does not run a test (jitgate has no plain-TCP leg).
set terminal pngcairo size 1400,900 font "DejaVu Sans,10" noenhanced
set output outfile
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top right
set grid ytics
set xtics nomirror scale 0
set yrange [0:*]
set bmargin 4
set multiplot layout 2,1 title charttitle font ",12"

set title "throughput (queries/s, median of rounds; higher is better)"
plot datafile using 2:xtic(1) title "direct" lc rgb "#4e79a7", \
     '' using 3 title "haproxy (tcp)" lc rgb "#f28e2b", \
     '' using 4 title "jitgate" lc rgb "#59a14f"

set title "average latency per sysbench transaction (ms; lower is better; read_only = 16 queries)"
set logscale y
set yrange [*:*]
plot datafile using 5:xtic(1) title "direct" lc rgb "#4e79a7", \
     '' using 6 title "haproxy (tcp)" lc rgb "#f28e2b", \
     '' using 7 title "jitgate" lc rgb "#59a14f"
unset multiplot
