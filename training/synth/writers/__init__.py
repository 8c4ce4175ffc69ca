"""Writing generated data: datasets (frame folders), npz clips, RealSense recordings, previews, parallel workers."""
