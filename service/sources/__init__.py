"""Where frames come from: uploaded clips and recordings, the WebSocket frame codec,
RealSense cameras and recordings, generated feeds; and the array rules a clip obeys."""
