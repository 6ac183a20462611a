# gnuplot -e "dat='chart.dat'; out='chart.png'" bench/chart.gp
# chart.dat: "cell" variant median min max, base and pp lines alternating.
set terminal pngcairo size 1100,500 font ",10"
set output out
set title "iperf3 A->B, base vs pp: median with min-max of the rounds"
set ylabel "Gbit/s"
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.7 border -1
set xtics rotate by -30
set yrange [0:*]
set key top left
plot dat every 2 using 3:4:5:xtic(1) title "base" lc rgb "#888888", \
     dat every 2::1 using 3:4:5 title "pp" lc rgb "#2a7ab9"
