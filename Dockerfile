FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LITELLM_LOCAL_MODEL_COST_MAP=True
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DJANGO_SECRET_KEY=build DJANGO_ALLOWED_HOSTS=localhost DJANGO_SETTINGS_MODULE=workplace_roleplay.settings.production \
    python manage.py collectstatic --noinput -v0
RUN useradd --uid 10001 --user-group --no-create-home --home-dir /tmp app
USER 10001:10001
EXPOSE 8000
# One daphne process per core on port 8000 (WEB_CONCURRENCY sets how many).
CMD ["python", "scripts/web.py", "--bind", "0.0.0.0", "--port", "8000"]
