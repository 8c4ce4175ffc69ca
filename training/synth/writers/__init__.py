"""Writing generated data: datasets (frame folders), npz clips, and the parallel workers that
render them."""
