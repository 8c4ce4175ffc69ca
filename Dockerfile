# syntax=docker/dockerfile:1
# Gesture recognition images, one file, three targets:
#   service (default): the CPU service, no torch, non-root, bundled model, /readyz healthcheck
#   gpu:               the same service on onnxruntime-gpu (CUDA/cuDNN/TensorRT runtime base)
#   train:             torch (CPU build) for `gesture train` / `gesture export`
#
#   docker build -t gesture .                          # CPU service
#   docker build --target gpu -t gesture:gpu .         # GPU service
#   docker build --target train -t gesture:train .     # training
#
# Base images are build arguments so the same file builds from a local base without a
# registry (see deploy/README.md, "Building without a registry"). Any Debian-like base with
# python3 (3.11+) and pip works; PIP_BREAK_SYSTEM_PACKAGES lets pip install into a distro
# Python (the images hold nothing else).
ARG BASE=python:3.11-slim-bookworm
ARG GPU_BASE=nvcr.io/nvidia/tensorrt:24.08-py3

# ---------------------------------------------------------------------------------------
# wheels: build the project wheel once
FROM ${BASE} AS wheels
ARG PIP_INDEX_URL=https://pypi.org/simple
ARG PIP_CERT=
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_BREAK_SYSTEM_PACKAGES=1 PIP_INDEX_URL=${PIP_INDEX_URL}
WORKDIR /src
COPY pyproject.toml README.md ./
COPY model ./model
COPY training ./training
COPY service ./service
RUN python3 -m pip wheel --no-deps --wheel-dir /wheels ${PIP_CERT:+--cert ${PIP_CERT}} .

# ---------------------------------------------------------------------------------------
# service: CPU serving image
FROM ${BASE} AS service
ARG PIP_INDEX_URL=https://pypi.org/simple
ARG PIP_CERT=
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_BREAK_SYSTEM_PACKAGES=1 PIP_INDEX_URL=${PIP_INDEX_URL} \
    PYTHONUNBUFFERED=1 GESTURE_HOST=0.0.0.0 GESTURE_PORT=8000
# libusb for pyrealsense2 (cameras and .bag/.db3 recordings); curl-free healthcheck below
RUN dpkg -s libusb-1.0-0 >/dev/null 2>&1 || (apt-get update \
    && apt-get install -y --no-install-recommends libusb-1.0-0 && rm -rf /var/lib/apt/lists/*)
COPY --from=wheels /wheels /wheels
RUN python3 -m pip install ${PIP_CERT:+--cert ${PIP_CERT}} /wheels/*.whl && rm -rf /wheels \
    && useradd --system --uid 10001 --home-dir /home/gesture --create-home gesture
USER gesture
WORKDIR /home/gesture
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python3", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status != 200)"]
ENTRYPOINT ["gesture"]
CMD ["serve"]

# ---------------------------------------------------------------------------------------
# gpu: the service on onnxruntime-gpu. The base carries CUDA, cuDNN and TensorRT matching
# the onnxruntime-gpu release (check its requirements page when bumping either).
FROM ${GPU_BASE} AS gpu
ARG PIP_CERT=
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_BREAK_SYSTEM_PACKAGES=1 PYTHONUNBUFFERED=1 \
    GESTURE_HOST=0.0.0.0 GESTURE_PORT=8000 GESTURE_TRT_CACHE_DIR=/var/cache/gesture/trt
RUN dpkg -s libusb-1.0-0 >/dev/null 2>&1 || (apt-get update \
    && apt-get install -y --no-install-recommends libusb-1.0-0 && rm -rf /var/lib/apt/lists/*)
COPY --from=wheels /wheels /wheels
RUN python3 -m pip install ${PIP_CERT:+--cert ${PIP_CERT}} /wheels/*.whl "onnxruntime-gpu>=1.18" \
    && python3 -m pip uninstall -y onnxruntime && rm -rf /wheels \
    && useradd --system --uid 10001 --create-home gesture \
    && mkdir -p /var/cache/gesture/trt && chown gesture /var/cache/gesture/trt
# TensorRT engines are built on first start and reused from this volume afterwards
VOLUME /var/cache/gesture/trt
USER gesture
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=300s --retries=3 \
    CMD ["python3", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status != 200)"]
ENTRYPOINT ["gesture"]
CMD ["serve"]

# ---------------------------------------------------------------------------------------
# train: torch (CPU build) plus the training extras; mount data/ and runs/
FROM ${BASE} AS train
ARG PIP_INDEX_URL=https://pypi.org/simple
ARG PIP_CERT=
ARG TORCH=torch==2.13.0
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_BREAK_SYSTEM_PACKAGES=1 PIP_INDEX_URL=${PIP_INDEX_URL} PYTHONUNBUFFERED=1
RUN dpkg -s libusb-1.0-0 >/dev/null 2>&1 || (apt-get update \
    && apt-get install -y --no-install-recommends libusb-1.0-0 && rm -rf /var/lib/apt/lists/*)
COPY --from=wheels /wheels /wheels
RUN python3 -m pip install ${PIP_CERT:+--cert ${PIP_CERT}} --index-url https://download.pytorch.org/whl/cpu "${TORCH}" \
    && python3 -m pip install ${PIP_CERT:+--cert ${PIP_CERT}} "$(ls /wheels/*.whl)[train]" && rm -rf /wheels
WORKDIR /work
ENTRYPOINT ["gesture"]
CMD ["--help"]
