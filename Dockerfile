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
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "workplace_roleplay.asgi:application"]
